import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toPem } from '../dist/src/emrtd/index.js';
import { generateCrl, generateCsca, generatePassportFixture, type PassportFixture } from '../dist/src/emrtd/testing/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { freePort, startServer, tempDir, type ServerProcess } from './helpers/process.js';
import {
  closeOpenSockets,
  connectAndHello,
  expectRejected,
  sendChip,
  startAttempt,
  startLiveApp,
  type LiveApp,
} from './helpers/ws.js';

/**
 * Trust that changes while the server runs (§6.7 "Revocation", "Reloading"): a CRL written into
 * CSCA_TRUST_STORE_DIR revokes a document signer within 2 s, removing it restores trust, a CSCA
 * dropped into the folder is trusted within 2 s; SIGHUP reloads a real server process and
 * leaves SIGTERM's graceful stop alone. No restart anywhere.
 */

const WITHIN_MS = 2000;

let app: LiveApp;
let passport: PassportFixture;

beforeAll(async () => {
  passport = await generatePassportFixture();
  app = await startLiveApp({ cscaPem: passport.cscaCertPem });
}, 60_000);
afterEach(() => closeOpenSockets());
afterAll(async () => {
  await app?.close();
});

/** One live attempt of a new session up to nfc_complete: `pass`, or the rejected verdict's code. */
async function probe(chip: PassportFixture): Promise<string> {
  const { handoff } = await startAttempt(app);
  const socket = await connectAndHello(handoff);
  const reply = await sendChip(socket, chip);
  if (reply.type === 'ack' && reply.message === 'phase_ok') {
    await socket.close();
    return 'pass';
  }
  if (reply.type === 'verdict') {
    await expectRejected(socket, reply, 'document_authenticity_failed', 2);
    return String(reply.reason_code);
  }
  throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
}

/** Probes until the outcome is `wanted`; returns the milliseconds since `since`. Fails after 2 s. */
async function outcomeWithin(chip: PassportFixture, wanted: string, since: number): Promise<number> {
  for (;;) {
    const outcome = await probe(chip);
    const elapsed = Date.now() - since;
    if (outcome === wanted) return elapsed;
    if (elapsed > WITHIN_MS) throw new Error(`still "${outcome}" ${elapsed} ms after the change, expected "${wanted}"`);
  }
}

describe('a running server follows its trust store folder', () => {
  it('fails a passport within 2 s of its DSC appearing on a CRL, and passes it again once the CRL is gone', async () => {
    expect(await probe(passport)).toBe('pass');

    const crlPath = join(app.trustDir, 'utopia.crl');
    const written = Date.now();
    writeFileSync(crlPath, generateCrl(passport.csca, { revoked: [passport.dscCertDer] }));
    const revokedAfter = await outcomeWithin(passport, 'document_authenticity_failed', written);
    expect(revokedAfter).toBeLessThan(WITHIN_MS);

    const removed = Date.now();
    unlinkSync(crlPath);
    expect(await outcomeWithin(passport, 'pass', removed)).toBeLessThan(WITHIN_MS);
    process.stdout.write(`[trust-store-reload] revoked after ${revokedAfter} ms, trusted again after ${Date.now() - removed} ms\n`);
  });

  it('follows a CRL replaced the way downloads do it, by renaming a new file over the old one', async () => {
    const crlPath = join(app.trustDir, 'utopia.crl');
    writeFileSync(crlPath, toPem(generateCrl(passport.csca), 'X509 CRL'));
    // As a cron download would: write aside, then rename over the old file.
    writeFileSync(`${crlPath}.part`, toPem(generateCrl(passport.csca, { revoked: [passport.dscCertDer] }), 'X509 CRL'));
    const renamed = Date.now();
    renameSync(`${crlPath}.part`, crlPath);
    expect(await outcomeWithin(passport, 'document_authenticity_failed', renamed)).toBeLessThan(WITHIN_MS);
    const removed = Date.now();
    unlinkSync(crlPath);
    expect(await outcomeWithin(passport, 'pass', removed)).toBeLessThan(WITHIN_MS);
  });

  it('trusts a CSCA dropped into the folder within 2 s', async () => {
    const newcomer = await generateCsca({ keyRole: 'newcomer-csca', name: { country: 'XY', organization: 'Elsewhere', commonName: 'Newcomer CSCA' } });
    const foreign = await generatePassportFixture({ csca: newcomer, dscKeyRole: 'newcomer-dsc' });
    expect(await probe(foreign)).toBe('document_authenticity_failed');

    const dropped = Date.now();
    writeFileSync(join(app.trustDir, 'newcomer.pem'), newcomer.certPem);
    const trustedAfter = await outcomeWithin(foreign, 'pass', dropped);
    expect(trustedAfter).toBeLessThan(WITHIN_MS);
    process.stdout.write(`[trust-store-reload] new CSCA trusted after ${trustedAfter} ms\n`);
    // The CSCA already there is still trusted.
    expect(await probe(passport)).toBe('pass');
  });
});

describe('SIGHUP in a real server process (node dist/src/main.js)', () => {
  let db: TestDatabase;
  let dir: ReturnType<typeof tempDir>;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = tempDir();
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    dir?.cleanup();
    await db?.drop();
  });

  it('reloads the trust store without stopping, and SIGTERM still stops it gracefully', async () => {
    writeFileSync(join(dir.path, 'csca.pem'), passport.cscaCertPem);
    server = await startServer({ cwd: dir.path, port: await freePort(), databaseUrl: db.url, env: { CSCA_TRUST_STORE_DIR: dir.path } });
    await server.waitForStdout(/loaded 1 CSCA certificate\(s\) and 0 CRL\(s\)/);

    const count = (pattern: RegExp) => (server!.stdout().match(new RegExp(pattern, 'g')) ?? []).length;

    // Nothing in the folder changed: only the signal can cause this reload.
    server.child.kill('SIGHUP');
    await server.waitForStdout(/reloading \S+ \(SIGHUP\)[\s\S]*loaded 1 CSCA certificate\(s\) and 0 CRL\(s\)/);
    expect(count(/loaded 1 CSCA certificate\(s\) and 0 CRL\(s\)/)).toBe(2);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);

    // A reload that cannot read a file keeps the store it had, and says why: first the watcher's, then SIGHUP's.
    const failure = /reload failed, keeping the previous store \(1 CSCA certificate\(s\) and 0 CRL\(s\)\): broken\.crl: /;
    writeFileSync(join(dir.path, 'broken.crl'), Buffer.from([0x30, 0x82, 0x01]));
    await server.waitForStdout(new RegExp(`reloading \\S+ \\(a file changed\\)[\\s\\S]*${failure.source}`));
    const failures = count(failure);
    server.child.kill('SIGHUP');
    for (const started = Date.now(); count(failure) === failures; ) {
      if (Date.now() - started > 5000) throw new Error(`no second reload failure:\n${server.stdout()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(count(/\(SIGHUP\)/)).toBe(2);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);

    expect(await server.stop()).toEqual({ code: null, signal: 'SIGTERM' });
    server = undefined;
  });
});
