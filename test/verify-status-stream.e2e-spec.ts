import type { AddressInfo } from 'node:net';
import { createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';
import { attemptRows, consumeHandoff, createSession, status, UNKNOWN_SESSION_ID } from './helpers/verify.js';

/**
 * The status route as Server-Sent Events (extension of §6.4): what the hosted page listens
 * to so a change shows at once instead of at its next poll.
 */

interface StatusEvent {
  event: string;
  data: { data: Record<string, any>; error: null };
}

/** Opens the stream and reads its events as they come. */
async function openStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let ended = false;
  const events: StatusEvent[] = [];
  const pump = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      }
    } catch {
      // aborted by the test
    }
    ended = true;
  })();
  const next = async (count: number, timeoutMs = 3000): Promise<StatusEvent[]> => {
    const deadline = Date.now() + timeoutMs;
    while (events.length < count) {
      if (ended || Date.now() > deadline) throw new Error(`expected ${count} events, got ${events.length}${ended ? ' (stream ended)' : ''}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return events.slice(0, count);
  };
  return { res, events, next, ended: () => ended, close: () => controller.abort(), done: pump };
}

describe('Status as Server-Sent Events', () => {
  let t: TestApp;
  let live: CreatedKey;
  let base: string;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    const org = await t.createOrg('Initech');
    live = await t.createKey(org.id, { livemode: true });
  });
  afterAll(async () => t.close());

  it('sends the JSON route’s envelope first, then each change as it happens, and ends after a terminal status', async () => {
    const s = await createSession(t, live);
    await t.http().post(`/v1/verify/session/${s.id}/handoff`).expect(200);
    const stream = await openStream(`${base}/v1/verify/session/${s.id}/status`, { 'x-request-id': 'req_stream_1' });
    expect(stream.res.status).toBe(200);
    expect(stream.res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.res.headers.get('cache-control')).toBe('no-store');
    expect(stream.res.headers.get('x-request-id')).toBe('req_stream_1');

    const [first] = await stream.next(1);
    expect(first.event).toBe('status');
    expect(first.data).toEqual((await status(t, s.id)).body);

    const [attempt] = await attemptRows(t, s.id);
    const changedAt = Date.now();
    await consumeHandoff(t, s.id, attempt.id, 'mrz_scanning');
    const [, second] = await stream.next(2);
    expect(Date.now() - changedAt).toBeLessThan(1000);
    expect(second.data.data).toMatchObject({ status: 'in_progress', latest_attempt: { id: attempt.id, phase: 'mrz_scanning' } });

    await t.http().post(`/v1/verify/session/${s.id}/cancel`).send({ cancel_token: s.cancel_token }).expect(204);
    const events = await stream.next(3);
    expect(events[2].data.data).toMatchObject({ status: 'cancelled', is_terminal: true });
    await stream.done;
    expect(stream.ended()).toBe(true);
    expect(stream.events).toHaveLength(3);
  });

  it('sends nothing when nothing changed', async () => {
    const s = await createSession(t, live);
    const stream = await openStream(`${base}/v1/verify/session/${s.id}/status`);
    await stream.next(1);
    await new Promise((r) => setTimeout(r, 800));
    expect(stream.events).toHaveLength(1);
    stream.close();
    await stream.done;
  });

  it('answers a bad or unknown id with the ordinary JSON error, not a stream', async () => {
    for (const [id, code, httpStatus] of [
      [UNKNOWN_SESSION_ID, 'SESSION_NOT_FOUND', 404],
      ['not-a-session', 'INVALID_SESSION_ID', 400],
    ] as const) {
      const res = await fetch(`${base}/v1/verify/session/${id}/status`, { headers: { accept: 'text/event-stream' } });
      expect(res.status).toBe(httpStatus);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
  });

  it('ends open streams when the server shuts down, so the shutdown does not wait for them', async () => {
    const own = await createTestApp();
    await own.app.listen(0, '127.0.0.1');
    const ownBase = `http://127.0.0.1:${(own.app.getHttpServer().address() as AddressInfo).port}`;
    const org = await own.createOrg('Umbrella');
    const key = await own.createKey(org.id, { livemode: true });
    const s = await createSession(own, key);
    const stream = await openStream(`${ownBase}/v1/verify/session/${s.id}/status`);
    await stream.next(1);
    const started = Date.now();
    await own.close();
    expect(Date.now() - started).toBeLessThan(3000);
    await stream.done;
    expect(stream.ended()).toBe(true);
  });
});
