import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pkijs from 'pkijs';
import { unwrapSod } from '../dist/src/emrtd/index.js';
import { bearer } from './helpers/app.js';
import { expectFailure, expectSuccess, runCliProcess, type CliRun } from './helpers/cli.js';
import { createSession } from './helpers/verify.js';
import { freePort, rejectedVerdict, startLiveApp, WS_MESSAGES, type LiveApp } from './helpers/ws.js';

/**
 * The developer tools of the CLI, as real processes (`node dist/src/cli/main.js`):
 * `fixtures passport` writes a test passport, and `verify run` walks a live session with it
 * against the app listening on a port that trusts exactly that passport's CSCA
 * (CSCA_TRUST_STORE_DIR = the fixtures folder, FACE_MATCH_URL=dev:accept-any-face).
 */

const SPECIMEN_MRZ = ['P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<', 'L898902C36UTO7408122F1204159ZE184226B<<<<<10'];
const SHARE_FIELDS = {
  age_over_18: { required: true, reason: 'We only sell to adults.' },
  family_name: { required: false, reason: 'To address you.' },
  nationality_code: { required: false, reason: 'Shipping restrictions.' },
};

let work: string;
let passportDir: string;
let selfiesDir: string;
let app: LiveApp;
let generated: Record<string, any>;

/**
 * These commands must never open the database: with an unusable DATABASE_URL and a production
 * NODE_ENV without SERVER_SECRET, any attempt would fail with DATABASE_ERROR or CONFIG_ERROR.
 */
const cli = (...args: string[]): Promise<CliRun> =>
  runCliProcess(args, { PATH: process.env.PATH ?? '', NODE_ENV: 'production', DATABASE_URL: '/dev/null/passline.sqlite' });

const pemBody = (pem: string) => new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'));

/** The serial (hex) of the DSC an EF.SOD carries. */
function dscSerialOf(sod: Uint8Array): string {
  const contentInfo = pkijs.ContentInfo.fromBER(new Uint8Array(unwrapSod(new Uint8Array(sod))));
  const certificate = new pkijs.SignedData({ schema: contentInfo.content }).certificates![0] as pkijs.Certificate;
  return Buffer.from(certificate.serialNumber.valueBlock.valueHexView).toString('hex');
}

const stderrLines = (run: CliRun) => run.stderr.split('\n').filter((line) => line !== '');

/** A finished `verify run`: exactly one JSON line on stdout. */
function result(run: CliRun, status: 0 | 1): Record<string, any> {
  if (run.status !== status) throw new Error(`expected exit ${status}, got ${run.status}\n${run.stdout}\n${run.stderr}`);
  expect(run.stdout.endsWith('\n')).toBe(true);
  expect(run.stdout.slice(0, -1)).not.toContain('\n');
  return JSON.parse(run.stdout) as Record<string, any>;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'passline-cli-verify-'));
  passportDir = join(work, 'passport');
  selfiesDir = join(work, 'selfies');
  mkdirSync(selfiesDir);
  // Sorted by name, the first three are used: one needs four 64 KiB chunks; "z-unused" is skipped.
  writeFileSync(join(selfiesDir, 'a.jpg'), Buffer.alloc(200_000, 1));
  writeFileSync(join(selfiesDir, 'b.jpg'), Buffer.from('selfie b'));
  writeFileSync(join(selfiesDir, 'c.jpg'), Buffer.from('selfie c'));
  writeFileSync(join(selfiesDir, 'z-unused.jpg'), Buffer.from('not sent'));

  generated = expectSuccess(await cli('fixtures', 'passport', '--out', passportDir, '--tampered', '--signer', 'ecdsa', '--digest', 'SHA-384'));
  expect(generated).toMatchObject({ out: passportDir, signer: 'ecdsa', digest: 'SHA-384', mrz: SPECIMEN_MRZ });

  app = await startLiveApp({ env: { CSCA_TRUST_STORE_DIR: passportDir, FACE_MATCH_URL: 'dev:accept-any-face' } });
}, 60_000);
afterAll(async () => {
  await app?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('fixtures passport', () => {
  it('writes the trust anchor and its CRL, the chip files, the MRZ and a README; --tampered adds a folder per variant', async () => {
    const files = ['csca.pem', 'csca.crl', 'dg1.bin', 'dg2.bin', 'sod.bin', 'mrz.txt', 'README.txt'];
    for (const file of files) expect(existsSync(join(passportDir, file))).toBe(true);
    const csca = new X509Certificate(readFileSync(join(passportDir, 'csca.pem')));
    expect(csca.ca).toBe(true);
    expect(csca.subject).toContain('CN=Passline Test CSCA');
    expect(readFileSync(join(passportDir, 'dg1.bin'))[0]).toBe(0x61);
    expect(readFileSync(join(passportDir, 'dg2.bin'))[0]).toBe(0x75);
    expect(readFileSync(join(passportDir, 'sod.bin'))[0]).toBe(0x77);
    expect(readFileSync(join(passportDir, 'mrz.txt'), 'utf8')).toBe(`${SPECIMEN_MRZ.join('\n')}\n`);
    expect(readFileSync(join(passportDir, 'README.txt'), 'utf8')).toContain('NOT A REAL DOCUMENT');
    // The CRL is the CSCA's and lists exactly the revoked-dsc variant's DSC (read with pkijs: node's X509 API has no CRLs).
    const crl = pkijs.CertificateRevocationList.fromBER(pemBody(readFileSync(join(passportDir, 'csca.crl'), 'utf8')));
    expect(await crl.verify({ issuerCertificate: pkijs.Certificate.fromBER(pemBody(readFileSync(join(passportDir, 'csca.pem'), 'utf8'))) })).toBe(true);
    const revokedDsc = dscSerialOf(readFileSync(join(passportDir, 'tampered', 'revoked-dsc', 'sod.bin')));
    expect((crl.revokedCertificates ?? []).map((entry) => Buffer.from(entry.userCertificate.valueBlock.valueHexView).toString('hex'))).toEqual([revokedDsc]);
    expect(generated.tampered).toContainEqual({ name: 'revoked-dsc', expected_failure: 'dsc_revoked' });
    for (const variant of ['dg1-byte-flip', 'unknown-dsc', 'corrupt-signature', 'revoked-dsc']) {
      for (const file of ['dg1.bin', 'dg2.bin', 'sod.bin', 'README.txt']) expect(existsSync(join(passportDir, 'tampered', variant, file))).toBe(true);
    }

    const plain = join(work, 'plain');
    const run = expectSuccess(await cli('fixtures', 'passport', `--out=${plain}`));
    expect(run).toEqual({ out: plain, files, mrz: SPECIMEN_MRZ, signer: 'rsa', digest: 'SHA-256', tampered: [] });
    expect(existsSync(join(plain, 'tampered'))).toBe(false);
    // Every run makes its own keys.
    expect(readFileSync(join(plain, 'csca.pem'), 'utf8')).not.toBe(readFileSync(join(passportDir, 'csca.pem'), 'utf8'));
    // Without --tampered the CRL is empty.
    expect(pkijs.CertificateRevocationList.fromBER(pemBody(readFileSync(join(plain, 'csca.crl'), 'utf8'))).revokedCertificates).toBeUndefined();
  });

  it('prints help for both commands and exits 2 with one BAD_REQUEST line for usage errors', async () => {
    const helps = await Promise.all([['fixtures', 'passport', '--help'], ['verify', 'run', '-h'], ['fixtures', '--help'], ['verify', '--help']].map((args) => cli(...args)));
    for (const help of helps) {
      expect({ status: help.status, stderr: help.stderr }).toEqual({ status: 0, stderr: '' });
      expect(help.stdout).toContain('Usage: npm run --silent cli --');
    }
    expect(helps[0].stdout).toContain('--tampered');
    expect(helps[1].stdout).toContain('--select <a,b>');

    const noSod = join(work, 'no-sod');
    mkdirSync(noSod);
    for (const file of ['dg1.bin', 'dg2.bin']) writeFileSync(join(noSod, file), 'x');
    const twoSelfies = join(work, 'two-selfies');
    mkdirSync(twoSelfies);
    for (const file of ['1.jpg', '2.jpg']) writeFileSync(join(twoSelfies, file), 'x');
    const session = await createSession(app.t, app.live);
    const url = session.verification_url;
    const cases: Array<[string[], string]> = [
      [['fixtures', 'passport'], '--out'],
      [['fixtures', 'passport', '--out', work, '--signer', 'dsa'], 'rsa, rsa-pss, ecdsa'],
      [['fixtures', 'passport', '--out', work, '--digest', 'MD5'], 'SHA-256'],
      [['fixtures', 'passport', '--out', work, '--tampered=yes'], '--tampered'],
      [['verify', 'run', '--url', url, '--fixtures', passportDir], '--selfies'],
      [['verify', 'run', '--url', 'not a url', '--fixtures', passportDir, '--selfies', selfiesDir], 'not a URL'],
      [['verify', 'run', '--url', `${app.base}/sessions/${session.id}`, '--fixtures', passportDir, '--selfies', selfiesDir], 'verification URL'],
      [['verify', 'run', '--url', url, '--fixtures', passportDir, '--selfies', selfiesDir, '--select', 'age_over_18,,family_name'], '--select'],
      [['verify', 'run', '--url', url, '--fixtures', passportDir, '--selfies', selfiesDir, '--device-id', '  '], '--device-id'],
      [['verify', 'run', '--url', url, '--fixtures', noSod, '--selfies', selfiesDir], 'sod.bin'],
      [['verify', 'run', '--url', url, '--fixtures', passportDir, '--selfies', twoSelfies], 'at least 3 files'],
      [['verify', 'run', '--url', url, '--fixtures', passportDir, '--selfies', join(work, 'missing')], '--selfies'],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(...args)));
    runs.forEach((run, i) => expect(expectFailure(run, 2, 'BAD_REQUEST')).toContain(cases[i][1]));
    // Nothing was sent: the session is untouched.
    expect((await app.t.http().get(`/v1/verify/session/${session.id}/status`)).body.data).toMatchObject({ status: 'created', latest_attempt: null });
  });
});

describe('verify run', () => {
  it('completes a live session: one progress line per step on stderr, share_ready on stdout, exit 0', async () => {
    const session = await createSession(app.t, app.live, { share_fields: SHARE_FIELDS });
    const run = await cli(
      'verify', 'run', '--url', session.verification_url, '--fixtures', passportDir, '--selfies', selfiesDir,
      '--select', 'kayle_document_id, age_over_18', '--device-id', 'cli-device-1',
    );
    expect(result(run, 0)).toEqual({ type: 'share_ready', session_id: session.id, selected_field_keys: ['age_over_18', 'kayle_document_id'] });

    const lines = stderrLines(run);
    expect(lines[0]).toMatch(/^handoff: attempt va_[a-z0-9]{64}, token valid until \d{4}-\d{2}-\d{2}T/);
    expect(lines.slice(1)).toEqual([
      `connect: ${app.socketUrl(session.id)}`,
      'hello: ok',
      'phase mrz_scanning: ok',
      'phase mrz_complete: ok',
      'phase nfc_reading: ok',
      expect.stringMatching(/^upload dg1: chunk 1\/1, (\d+)\/\1 bytes$/),
      expect.stringMatching(/^upload dg2: chunk 1\/1, (\d+)\/\1 bytes$/),
      expect.stringMatching(/^upload sod: chunk 1\/1, (\d+)\/\1 bytes$/),
      'phase nfc_complete: chip checks passed',
      'phase selfie_capturing: ok',
      'upload selfie 1/3: chunk 1/4, 65536/200000 bytes',
      'upload selfie 1/3: chunk 2/4, 131072/200000 bytes',
      'upload selfie 1/3: chunk 3/4, 196608/200000 bytes',
      'upload selfie 1/3: chunk 4/4, 200000/200000 bytes',
      'upload selfie 2/3: chunk 1/1, 8/8 bytes',
      'upload selfie 3/3: chunk 1/1, 8/8 bytes',
      'phase selfie_complete: verdict accepted',
      'share_request: age_over_18 (required), family_name, kayle_document_id (required), nationality_code',
      'share_ready: shared age_over_18, kayle_document_id',
    ]);

    const after = await app.t.http().get(`/v1/sessions/${session.id}`).query({ include_attempts: 'true' }).set(bearer(app.live));
    expect(after.body.data).toMatchObject({ status: 'succeeded', attempts: [{ status: 'succeeded', failure_code: null, risk_score: 0 }] });
  });

  it('--codec capnp walks the same session in the Kayle app\'s binary frames; another codec is a usage error', async () => {
    const session = await createSession(app.t, app.live, { share_fields: SHARE_FIELDS });
    const run = await cli('verify', 'run', '--codec', 'capnp', '--url', session.verification_url, '--fixtures', passportDir, '--selfies', selfiesDir);
    expect(result(run, 0)).toEqual({
      type: 'share_ready',
      session_id: session.id,
      selected_field_keys: ['age_over_18', 'family_name', 'kayle_document_id', 'nationality_code'],
    });
    expect(stderrLines(run)[1]).toBe(`connect: ${app.socketUrl(session.id)} (Cap'n Proto frames)`);
    const after = await app.t.http().get(`/v1/sessions/${session.id}`).set(bearer(app.live));
    expect(after.body.data.status).toBe('succeeded');
    const bad = await cli('verify', 'run', '--codec', 'protobuf', '--url', session.verification_url, '--fixtures', passportDir, '--selfies', selfiesDir);
    expectFailure(bad, 2, 'BAD_REQUEST', '--codec must be json or capnp.');
  });

  it('shares every offered key without --select', async () => {
    const session = await createSession(app.t, app.live, { share_fields: SHARE_FIELDS });
    const run = await cli('verify', 'run', '--url', session.verification_url, '--fixtures', passportDir, '--selfies', selfiesDir);
    expect(result(run, 0).selected_field_keys).toEqual(['age_over_18', 'family_name', 'kayle_document_id', 'nationality_code']);
  });

  it.each(['unknown-dsc', 'revoked-dsc'])('exits 1 with the rejected verdict for a tampered passport: %s', async (variant) => {
    const session = await createSession(app.t, app.live);
    const run = await cli('verify', 'run', '--url', session.verification_url, '--fixtures', join(passportDir, 'tampered', variant), '--selfies', selfiesDir);
    expect(result(run, 1)).toEqual(rejectedVerdict('document_authenticity_failed', 2));
    expect(stderrLines(run).at(-1)).toBe('stopped: verdict document_authenticity_failed');
  });

  it('exits 1 with the error that stopped it: a refused selection, a refused handoff, no server', async () => {
    const session = await createSession(app.t, app.live, { share_fields: SHARE_FIELDS });
    const refused = await cli('verify', 'run', '--url', session.verification_url, '--fixtures', passportDir, '--selfies', selfiesDir, '--select', 'family_name');
    expect(result(refused, 1)).toEqual({ type: 'error', code: 'SHARE_SELECTION_MISSING_REQUIRED', message: WS_MESSAGES.SHARE_SELECTION_MISSING_REQUIRED });

    const cancelled = await createSession(app.t, app.live);
    expect((await app.t.http().post(`/v1/sessions/${cancelled.id}/cancel`).set(bearer(app.live))).status).toBe(204);
    const testMode = await createSession(app.t, app.test);
    const port = await freePort();
    const [gone, simulated, down] = await Promise.all([
      cli('verify', 'run', '--url', cancelled.verification_url, '--fixtures', passportDir, '--selfies', selfiesDir),
      cli('verify', 'run', '--url', testMode.verification_url, '--fixtures', passportDir, '--selfies', selfiesDir),
      cli('verify', 'run', '--url', `http://127.0.0.1:${port}/verify/${cancelled.id}`, '--fixtures', passportDir, '--selfies', selfiesDir),
    ]);
    expect(result(gone, 1)).toEqual({ type: 'error', code: 'SESSION_EXPIRED', message: WS_MESSAGES.SESSION_EXPIRED, status: 410 });
    expect(result(simulated, 1)).toEqual({ type: 'error', code: 'TEST_MODE_SESSION', message: WS_MESSAGES.TEST_MODE_SESSION, status: 409 });
    expect(result(down, 1)).toMatchObject({ type: 'error', code: 'HANDOFF_UNREACHABLE' });
  });
});
