import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCrl, generateCsca, generatePassportFixture, type FixtureCsca, type PassportFixture } from '../testing/index.js';
import { toPem } from './certificate.js';
import { passiveAuthenticate } from './passive-auth.js';
import { ReloadableTrustStore } from './trust-store-reloader.js';
import type { TrustStore } from './trust-store.js';

let dir: string;
let csca: FixtureCsca;
let fixture: PassportFixture;
let reloader: ReloadableTrustStore | undefined;
let messages: string[];

beforeAll(async () => {
  csca = await generateCsca();
  fixture = await generatePassportFixture({ csca });
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'passline-reload-'));
  messages = [];
});

afterEach(() => {
  reloader?.close();
  reloader = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const readPem = (der: Uint8Array) => toPem(der, 'CERTIFICATE');
const start = (options = {}) => (reloader = new ReloadableTrustStore(dir, (message, level) => messages.push(`${level ?? 'log'}: ${message}`), options));
const verdict = async (store: TrustStore) => {
  const result = await passiveAuthenticate({ ...fixture, trustStore: store, now: new Date() });
  return result.ok ? 'ok' : result.reason;
};

/** Polls `check` every 20 ms until it holds; returns the milliseconds it took. */
async function within(ms: number, check: () => boolean): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

describe('ReloadableTrustStore', () => {
  it('swaps in a new store object on reload and keeps a store already handed out intact', async () => {
    writeFileSync(join(dir, 'csca.pem'), csca.certPem);
    const holder = start();
    const before = holder.current;
    writeFileSync(join(dir, 'csca.crl'), generateCrl(csca, { revoked: [fixture.dscCertDer] }));
    expect(holder.reload('test')).toBe(true);
    expect(holder.current).not.toBe(before);
    expect(before.crls).toHaveLength(0);
    expect(await verdict(before)).toBe('ok');
    expect(await verdict(holder.current)).toBe('dsc_revoked');
    expect(messages).toContain(`log: CSCA trust store: loaded 1 CSCA certificate(s) and 1 CRL(s) from ${dir}`);
  });

  it('parses again only the files whose bytes changed', async () => {
    writeFileSync(join(dir, 'csca.pem'), csca.certPem);
    writeFileSync(join(dir, 'other.pem'), (await generateCsca({ keyRole: 'other-csca', name: { country: 'XY', commonName: 'Other' } })).certPem);
    const holder = start();
    const [first, other] = holder.current.certificates;
    writeFileSync(join(dir, 'other.pem'), `# a comment changes the bytes\n${readPem(other.der)}`);
    writeFileSync(join(dir, 'csca.crl'), generateCrl(csca));
    expect(holder.reload('test')).toBe(true);
    const [firstAgain, otherAgain] = holder.current.certificates;
    expect(firstAgain).toBe(first); // the same parsed object: csca.pem was not read again
    expect(otherAgain).not.toBe(other);
    expect(otherAgain.der).toEqual(other.der);
    expect(holder.current.crls).toHaveLength(1);
  });

  it('keeps the previous store when a reload cannot read a file, and says why', async () => {
    writeFileSync(join(dir, 'csca.pem'), csca.certPem);
    const holder = start();
    const before = holder.current;
    writeFileSync(join(dir, 'csca.crl'), generateCrl(csca).subarray(0, 30));
    expect(holder.reload('test')).toBe(false);
    expect(holder.current).toBe(before);
    expect(messages[messages.length - 1]).toMatch(/^warn: CSCA trust store: reload failed, keeping the previous store \(1 CSCA certificate\(s\) and 0 CRL\(s\)\): csca\.crl: /);
  });

  it('reloads on its own after files change, renamed in or removed, and no more than once per interval', async () => {
    const holder = start({ minIntervalMs: 400, settleMs: 50 });
    holder.watch();
    expect(holder.current.certificates).toHaveLength(0);

    // As a download would: write aside, then rename into place.
    writeFileSync(join(dir, '.csca.pem.part'), csca.certPem);
    renameSync(join(dir, '.csca.pem.part'), join(dir, 'csca.pem'));
    const first = await within(2000, () => holder.current.certificates.length === 1);
    expect(await verdict(holder.current)).toBe('ok');

    writeFileSync(join(dir, 'csca.crl'), generateCrl(csca, { revoked: [fixture.dscCertDer] }));
    await within(2000, () => holder.current.crls.length === 1);
    expect(await verdict(holder.current)).toBe('dsc_revoked');

    unlinkSync(join(dir, 'csca.crl'));
    await within(2000, () => holder.current.crls.length === 0);
    expect(await verdict(holder.current)).toBe('ok');

    const reloads = messages.filter((message) => message.includes('reloading')).length;
    expect(first).toBeLessThan(1000);
    // Three changes, three reloads: each burst of events is read once.
    expect(reloads).toBe(3);
    const times = messages.length; // nothing pending once closed
    holder.close();
    writeFileSync(join(dir, 'late.pem'), csca.certPem);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(messages).toHaveLength(times);
  });

  it('warns and carries on without a watch when the folder is missing', () => {
    const holder = new ReloadableTrustStore(join(dir, 'missing'), (message, level) => messages.push(`${level ?? 'log'}: ${message}`));
    reloader = holder;
    holder.watch();
    expect(messages[messages.length - 1]).toMatch(/^warn: CSCA trust store: cannot watch .*missing .*send SIGHUP to reload it/);
    expect(holder.current.certificates).toHaveLength(0);
  });
});
