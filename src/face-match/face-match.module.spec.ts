import { Logger } from '@nestjs/common';
import { loadSettings } from '../config/app.config.js';
import { AcceptAnyFaceMatcher } from './accept-any-face-matcher.js';
import { BuiltinFaceMatcher } from './builtin-face-matcher.js';
import { DisabledFaceMatcher } from './disabled-face-matcher.js';
import { FACE_MATCHER_UNAVAILABLE } from './face-match-reply.js';
import { createFaceMatcher } from './face-match.module.js';
import { HttpFaceMatcher } from './http-face-matcher.js';

const settings = (env: Record<string, string> = {}) =>
  loadSettings({ NODE_ENV: 'test', SERVER_SECRET: 'x'.repeat(32), DATABASE_URL: ':memory:', ...env }).faceMatch;

beforeAll(() => Logger.overrideLogger(false));
afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']));

describe('FACE_MATCH_URL and the face matcher adapter', () => {
  it('defaults to the built-in matcher, unset or empty, with one worker and the calibrated threshold', () => {
    expect(settings()).toEqual({ url: 'builtin', secret: null, threshold: null, timeoutMs: 10000, concurrency: 1 });
    expect(settings({ FACE_MATCH_URL: '' }).url).toBe('builtin');
    expect(createFaceMatcher(settings())).toBeInstanceOf(BuiltinFaceMatcher);
  });

  it('picks none, the development matcher or the HTTP client from the value', async () => {
    const none = createFaceMatcher(settings({ FACE_MATCH_URL: 'none' }));
    expect(none).toBeInstanceOf(DisabledFaceMatcher);
    expect(await none.match(new Uint8Array(1), [])).toEqual(FACE_MATCHER_UNAVAILABLE);
    const dev = createFaceMatcher(settings({ FACE_MATCH_URL: 'dev:accept-any-face' }));
    expect(dev).toBeInstanceOf(AcceptAnyFaceMatcher);
    expect(await dev.match(new Uint8Array(1), [])).toMatchObject({ passed: true, livenessPassed: true });
    expect(createFaceMatcher(settings({ FACE_MATCH_URL: 'https://faces.example/match' }))).toBeInstanceOf(HttpFaceMatcher);
  });

  it('stops the boot on a bad FACE_MATCH_URL or FACE_MATCH_CONCURRENCY', () => {
    expect(() => settings({ FACE_MATCH_URL: 'faces.example' })).toThrow('FACE_MATCH_URL must be builtin, none, an http(s) URL');
    expect(() => settings({ FACE_MATCH_CONCURRENCY: '0' })).toThrow('FACE_MATCH_CONCURRENCY must be an integer from 1 to 16');
    expect(settings({ FACE_MATCH_CONCURRENCY: '2' }).concurrency).toBe(2);
  });

  it('fails closed at once when the built-in matcher is shut down, without starting a worker', async () => {
    const matcher = new BuiltinFaceMatcher({ threshold: 0.65, concurrency: 1, timeoutMs: 1000 });
    await matcher.onApplicationShutdown();
    expect(await matcher.match(new Uint8Array(1), [])).toEqual(FACE_MATCHER_UNAVAILABLE);
    expect({ pending: matcher.pending, workers: matcher.workers }).toEqual({ pending: 0, workers: 0 });
  });
});
