import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bearer } from './helpers/app.js';
import { expectSuccess, runCliProcess } from './helpers/cli.js';
import { realFaces, writeSelfies, type RealFaces } from './helpers/faces.js';
import { freePort } from './helpers/process.js';
import { createSession } from './helpers/verify.js';
import { startLiveApp, type LiveApp } from './helpers/ws.js';

/**
 * `npm run face-matcher` (§6.8a): the built-in matcher as a stand-alone §6.8 service, as a real
 * process with the real model, called directly and as the FACE_MATCH_URL of a server.
 */

const SERVE_JS = fileURLToPath(new URL('../dist/src/face-match/serve.js', import.meta.url));
const SECRET = 'face-matcher-service-secret';

let child: ChildProcess;
let url: string;
let faces: RealFaces;
let output = '';

function form(parts: Record<string, Uint8Array | string>): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries(parts)) {
    if (typeof value === 'string') body.append(name, value);
    else body.append(name, new Blob([Uint8Array.from(value)]), name);
  }
  return body;
}

function post(body: FormData, secret: string | null = SECRET): Promise<Response> {
  return fetch(`${url}/match`, { method: 'POST', body, headers: secret ? { 'x-kayle-face-matcher-auth': secret } : {} });
}

const images = (selfies: Uint8Array[], portrait = faces.portraitJpeg) => ({
  dg2: portrait,
  selfie_0: selfies[0],
  selfie_1: selfies[1],
  selfie_2: selfies[2],
});

beforeAll(async () => {
  faces = await realFaces();
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, [SERVE_JS], {
    env: { PATH: process.env.PATH ?? '', FACE_MATCHER_PORT: String(port), FACE_MATCH_SECRET: SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 20_000;
  while (!output.includes('Face matcher listening')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`face matcher did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}, 60_000);
afterAll(() => {
  child?.kill('SIGTERM');
});

describe('npm run face-matcher', () => {
  it('answers the §6.8 reply: same person passes, another fails, one picture three times fails liveness', async () => {
    const same = await (await post(form(images(faces.sameSelfies)))).json();
    expect(same).toMatchObject({ passed: true, usedFallback: false, livenessPassed: true });
    expect(same.faceScore).toBeGreaterThan(0.5);

    const other = await post(form(images(faces.otherSelfies, faces.portraitJp2)));
    expect(other.status).toBe(200);
    const otherBody = await other.json();
    expect(otherBody).toMatchObject({ passed: false, usedFallback: false, reason: 'below_threshold', livenessPassed: true });
    expect(otherBody.faceScore).toBeLessThan(same.faceScore);

    expect(await (await post(form(images(faces.identicalSelfies)))).json()).toMatchObject({ passed: false, livenessPassed: false });
    // The request's threshold wins over the service's own.
    expect(await (await post(form({ ...images(faces.sameSelfies), threshold: '0.999' }))).json()).toMatchObject({ passed: false, reason: 'below_threshold' });
  }, 60_000);

  it('fails a picture without a face as a mismatch and logs which image and why', async () => {
    const blank = faces.sameSelfies.map(() => new Uint8Array(Buffer.from('not a picture')));
    const res = await post(form(images([faces.sameSelfies[0], blank[1], faces.sameSelfies[2]])));
    expect(await res.json()).toEqual({ faceScore: null, passed: false, usedFallback: false, reason: 'image_unreadable' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(output).toContain('selfie_1: not a JPEG, PNG or JPEG 2000 image');
  }, 30_000);

  it('refuses a wrong secret, missing parts, a bad threshold and other methods', async () => {
    expect((await post(form(images(faces.sameSelfies)), 'wrong')).status).toBe(401);
    expect((await post(form(images(faces.sameSelfies)), null)).status).toBe(401);
    const missing = await post(form({ dg2: faces.portraitJpeg, selfie_0: faces.sameSelfies[0] }));
    expect({ status: missing.status, body: await missing.json() }).toEqual({ status: 400, body: { error: 'missing file part selfie_1' } });
    expect((await post(form({ ...images(faces.sameSelfies), threshold: 'high' }))).status).toBe(400);
    expect((await fetch(`${url}/match`)).status).toBe(405);
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok' });
  });

  it('serves a Passline server whose FACE_MATCH_URL points at it', async () => {
    const work = mkdtempSync(join(tmpdir(), 'passline-face-svc-'));
    let app: LiveApp | undefined;
    try {
      const portrait = join(work, 'portrait.jpg');
      writeFileSync(portrait, faces.portraitJpeg);
      const passportDir = join(work, 'passport');
      const cli = (...args: string[]) => runCliProcess(args, { PATH: process.env.PATH ?? '' });
      expectSuccess(await cli('fixtures', 'passport', '--out', passportDir, '--portrait', portrait));
      const selfies = writeSelfies(join(work, 'selfies'), faces.sameSelfies);
      app = await startLiveApp({ env: { CSCA_TRUST_STORE_DIR: passportDir, FACE_MATCH_URL: `${url}/match`, FACE_MATCH_SECRET: SECRET } });
      const session = await createSession(app.t, app.live);
      const run = await cli('verify', 'run', '--url', session.verification_url, '--fixtures', passportDir, '--selfies', selfies);
      expect(run.status).toBe(0);
      const data = (await app.t.http().get(`/v1/sessions/${session.id}`).query({ include_attempts: 'true' }).set(bearer(app.live))).body.data;
      expect(data).toMatchObject({ status: 'succeeded' });
      expect(data.attempts[0].risk_score).toBeGreaterThan(0);
    } finally {
      await app?.close();
      rmSync(work, { recursive: true, force: true });
    }
  }, 60_000);
});
