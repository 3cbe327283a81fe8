import { jest } from '@jest/globals';
import { Writable } from 'node:stream';
import { aboutRequest, createRootLogger, isoTime, PinoNestLogger } from './logger.js';

/** A logger writing JSON lines into memory. */
function capture(level: 'log' | 'debug' = 'log') {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const root = createRootLogger({ logLevel: level, logFormat: 'json' }, sink);
  return { root, nest: new PinoNestLogger(root), lines };
}

describe('logs', () => {
  it('writes one JSON object per call with level, time, context and message', () => {
    const { nest, lines } = capture();
    nest.log('Listening on http://localhost:3000 (sqlite)', 'Passline');
    nest.warn('Slow query', 'Database');
    expect(lines).toEqual([
      { level: 'info', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), context: 'Passline', msg: 'Listening on http://localhost:3000 (sqlite)' },
      { level: 'warn', time: expect.any(String), context: 'Database', msg: 'Slow query' },
    ]);
  });

  it('stamps each line with the current time in ISO 8601, formatted once per millisecond', () => {
    jest.useFakeTimers({ now: new Date('2026-12-07T10:00:00.000Z') });
    try {
      const first = isoTime();
      expect(first).toBe(',"time":"2026-12-07T10:00:00.000Z"');
      expect(isoTime()).toBe(first);
      jest.advanceTimersByTime(1);
      expect(isoTime()).toBe(',"time":"2026-12-07T10:00:00.001Z"');
      jest.setSystemTime(new Date('2026-12-07T09:59:59.999Z')); // a clock set back is followed too
      expect(isoTime()).toBe(',"time":"2026-12-07T09:59:59.999Z"');
    } finally {
      jest.useRealTimers();
    }
  });

  it("keeps Nest's route mapping and module lines for debug level", () => {
    const quiet = capture('log');
    quiet.nest.log('Mapped {/health, GET} route', 'RouterExplorer');
    quiet.nest.log('AppModule dependencies initialized', 'InstanceLoader');
    expect(quiet.lines).toEqual([]);
    const verbose = capture('debug');
    verbose.nest.log('Mapped {/health, GET} route', 'RouterExplorer');
    expect(verbose.lines).toEqual([expect.objectContaining({ level: 'debug', context: 'RouterExplorer' })]);
  });

  it('tells a stack from a context in error()', () => {
    const { nest, lines } = capture();
    const stack = 'Error: boom\n    at somewhere (file.js:1:1)';
    nest.error('It failed', stack, 'Dispatcher');
    nest.error('It failed again', 'Dispatcher');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'error', msg: 'It failed', stack, context: 'Dispatcher' }),
      expect.objectContaining({ level: 'error', msg: 'It failed again', context: 'Dispatcher' }),
    ]);
    expect(lines[1]).not.toHaveProperty('stack');
  });

  it('stamps a line about a request with its id, and no other line', () => {
    const { nest, lines } = capture();
    nest.error(aboutRequest('req_abc', 'Unhandled error on GET /x'), 'Test');
    nest.log('outside', 'Test');
    expect(lines).toEqual([
      { level: 'error', time: expect.any(String), context: 'Test', reqId: 'req_abc', msg: 'Unhandled error on GET /x' },
      { level: 'info', time: expect.any(String), context: 'Test', msg: 'outside' },
    ]);
  });

  it('redacts credentials and passport data, wherever a caller put them', () => {
    const { root, lines } = capture();
    root.info(
      { key: 'kk_live_secret', headers: { authorization: 'Bearer kk_live_secret' }, endpoint: { signing_secret: 'whsec_x', url: 'https://a.example' }, upload: { raw: 'base64' } },
      'oops',
    );
    const text = JSON.stringify(lines);
    expect(text).not.toContain('kk_live_secret');
    expect(text).not.toContain('whsec_x');
    expect(text).not.toContain('base64');
    expect(lines[0]).toMatchObject({ key: '[redacted]', endpoint: { signing_secret: '[redacted]', url: 'https://a.example' }, upload: { raw: '[redacted]' } });
  });
});
