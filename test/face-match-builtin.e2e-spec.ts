import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FaceMatcher } from '../dist/src/face-match/face-matcher.js';
import { bearer } from './helpers/app.js';
import { expectFailure, expectSuccess, runCliProcess, type CliRun } from './helpers/cli.js';
import { realFaces, writeSelfies, type RealFaces } from './helpers/faces.js';
import { createTestDatabase } from './helpers/database.js';
import { freePort, startServer } from './helpers/process.js';
import { createSession } from './helpers/verify.js';
import { rejectedVerdict, startLiveApp, type LiveApp } from './helpers/ws.js';

/**
 * The built-in face matcher (§6.8a), with the real model and real faces: the server starts with
 * FACE_MATCH_URL unset (the default, `builtin`), a test passport whose DG2 holds a real portrait
 * (240x320 greyscale JPEG 2000, written by `fixtures passport --portrait`), and `verify run`
 * walks live sessions with three selfies of the same man, of someone else, or one selfie thrice.
 */

let work: string;
let passportDir: string;
let faces: RealFaces;
let app: LiveApp;
const selfieDirs: Record<'same' | 'other' | 'identical', string> = { same: '', other: '', identical: '' };

const cli = (...args: string[]): Promise<CliRun> => runCliProcess(args, { PATH: process.env.PATH ?? '' });

function verdictOf(run: CliRun): Record<string, unknown> {
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

async function attemptOf(sessionId: string): Promise<Record<string, any>> {
  const res = await app.t.http().get(`/v1/sessions/${sessionId}`).query({ include_attempts: 'true' }).set(bearer(app.live));
  return res.body.data as Record<string, any>;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'passline-face-'));
  faces = await realFaces();
  const portrait = join(work, 'portrait.j2k');
  writeFileSync(portrait, faces.portraitJp2);
  passportDir = join(work, 'passport');
  expectSuccess(await cli('fixtures', 'passport', '--out', passportDir, '--portrait', portrait));
  selfieDirs.same = writeSelfies(join(work, 'same'), faces.sameSelfies);
  selfieDirs.other = writeSelfies(join(work, 'other'), faces.otherSelfies);
  selfieDirs.identical = writeSelfies(join(work, 'identical'), faces.identicalSelfies);
  // An empty FACE_MATCH_URL is the same as none set: the default, builtin.
  app = await startLiveApp({ env: { CSCA_TRUST_STORE_DIR: passportDir, FACE_MATCH_URL: '' } });
}, 120_000);
afterAll(async () => {
  await app?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('face fixtures for the CLI', () => {
  it('fixtures faces writes a JPEG 2000 portrait and three sets of selfies; --portrait refuses other formats', async () => {
    const out = join(work, 'faces');
    const written = expectSuccess(await cli('fixtures', 'faces', '--out', out));
    expect(written.files).toEqual([
      'portrait.jp2',
      'portrait.jpg',
      ...['same', 'other', 'identical'].flatMap((set) => [1, 2, 3].map((i) => expect.stringMatching(new RegExp(`^selfies/${set}/selfie-${i}\\.(jpg|png)$`)))),
    ]);
    expect([...readFileSync(join(out, 'portrait.jp2')).subarray(0, 4)]).toEqual([0xff, 0x4f, 0xff, 0x51]);
    expect(readFileSync(join(out, written.files[2]))).toEqual(Buffer.from(faces.sameSelfies[0]));

    const refused = await cli('fixtures', 'passport', '--out', join(work, 'refused'), '--portrait', join(out, written.files[3]));
    expect(expectFailure(refused, 2, 'BAD_REQUEST')).toContain('must be a JPEG or JPEG 2000 picture');
  });
});

describe('built-in face matcher, end to end with verify run', () => {
  it('accepts the same person (portrait from the chip, selfies from other photos)', async () => {
    const session = await createSession(app.t, app.live);
    // Serving the API does not load the model: no worker thread before the first match.
    const matcher = app.t.app.get(FaceMatcher) as FaceMatcher & { workers: number };
    expect(matcher.workers).toBe(0);
    const run = await cli('verify', 'run', '--url', session.verification_url, '--fixtures', passportDir, '--selfies', selfieDirs.same);
    expect({ status: run.status, stdout: verdictOf(run) }).toEqual({
      status: 0,
      stdout: { type: 'share_ready', session_id: session.id, selected_field_keys: expect.any(Array) },
    });
    expect(run.stderr).toContain('phase selfie_complete: verdict accepted');
    expect(matcher.workers).toBe(1);
    const data = await attemptOf(session.id);
    expect(data).toMatchObject({ status: 'succeeded', attempts: [{ status: 'succeeded', failure_code: null }] });
    // risk_score = 1 - faceScore: a real comparison, not the development matcher's perfect 1.
    expect(data.attempts[0].risk_score).toBeGreaterThan(0);
    expect(data.attempts[0].risk_score).toBeLessThan(0.4);
  }, 90_000);

  it('rejects another person with selfie_face_mismatch', async () => {
    const session = await createSession(app.t, app.live);
    const run = await cli('verify', 'run', '--url', session.verification_url, '--fixtures', passportDir, '--selfies', selfieDirs.other);
    expect({ status: run.status, stdout: verdictOf(run) }).toEqual({
      status: 1,
      stdout: rejectedVerdict('selfie_face_mismatch', 2),
    });
    const data = await attemptOf(session.id);
    expect(data.attempts[0]).toMatchObject({ status: 'failed', failure_code: 'selfie_face_mismatch' });
    // 1 - faceScore of a real comparison, not the fallback's 1.
    expect(data.attempts[0].risk_score).toBeGreaterThan(0.3);
    expect(data.attempts[0].risk_score).toBeLessThan(1);
  }, 60_000);

  it('fails liveness for one selfie sent three times', async () => {
    const session = await createSession(app.t, app.live);
    const run = await cli('verify', 'run', '--url', session.verification_url, '--fixtures', passportDir, '--selfies', selfieDirs.identical);
    expect(run.status).toBe(1);
    expect(verdictOf(run)).toMatchObject({ type: 'verdict', outcome: 'rejected', reason_code: 'liveness_failed' });
    expect((await attemptOf(session.id)).attempts[0]).toMatchObject({ status: 'failed', failure_code: 'liveness_failed' });
  }, 60_000);
});

describe('built-in face matcher and the event loop', () => {
  it('keeps GET /health p99 under 50 ms while matches run in the worker thread', async () => {
    const matcher = app.t.app.get(FaceMatcher);
    const latencies: number[] = [];
    let matching = true;
    const matches = (async () => {
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await matcher.match(faces.portraitJp2, faces.sameSelfies));
      matching = false;
      return results;
    })();
    while (matching) {
      const started = performance.now();
      const res = await fetch(`${app.base}/health`);
      await res.arrayBuffer();
      latencies.push(performance.now() - started);
      expect(res.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    for (const result of await matches) expect(result).toMatchObject({ passed: true, livenessPassed: true });
    latencies.sort((a, b) => a - b);
    expect(latencies.length).toBeGreaterThanOrEqual(50);
    expect(latencies[Math.ceil(latencies.length * 0.99) - 1]).toBeLessThan(50);
  }, 90_000);
});

describe('the server as npm start runs it', () => {
  it('verifies a real face with the default configuration: first-run live key, trust store, verify run', async () => {
    const db = await createTestDatabase();
    const port = await freePort();
    const server = await startServer({
      cwd: work,
      port,
      databaseUrl: db.url,
      // Nothing about face matching: the default is the built-in matcher.
      env: { NODE_ENV: undefined, ADMIN_TOKEN: undefined, CSCA_TRUST_STORE_DIR: passportDir, PUBLIC_BASE_URL: `http://127.0.0.1:${port}` },
    });
    try {
      const [, liveKey] = await server.waitForStdout(/live key: (kk_live_[a-z0-9]{32})/);
      expect(server.stdout()).toContain('Face matching: built-in model, threshold 0.65');
      const created = await fetch(`${server.url}/v1/sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${liveKey}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(created.status).toBe(200);
      const session = ((await created.json()) as { data: { id: string; verification_url: string } }).data;
      const run = await cli('verify', 'run', '--url', session.verification_url, '--fixtures', passportDir, '--selfies', selfieDirs.same);
      expect({ status: run.status, type: verdictOf(run).type }).toEqual({ status: 0, type: 'share_ready' });
      await server.waitForStdout(/Face model loaded in a worker thread in \d+ ms/);
      const read = await fetch(`${server.url}/v1/sessions/${session.id}`, { headers: { authorization: `Bearer ${liveKey}` } });
      expect(((await read.json()) as { data: { status: string } }).data.status).toBe('succeeded');
    } finally {
      // The graceful shutdown ends the worker thread too, so the process goes (Nest re-raises
      // SIGTERM after its hooks) instead of hanging until the helper's SIGKILL.
      expect(await server.stop('SIGTERM', 10_000)).toEqual({ code: null, signal: 'SIGTERM' });
      await db.drop();
    }
  }, 120_000);
});
