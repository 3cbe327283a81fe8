import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';
import { createSession } from './helpers/lifecycle.js';
import {
  advanceAndDispatch,
  connectEndpoint,
  dispatch,
  eventOf,
  refusingUrl,
  startTestReceiver,
  waitForDelivery,
  type ConnectedEndpoint,
  type Reply,
  type TestReceiver,
} from './helpers/receiver.js';
import { ISO_MS, expectOk, type Json } from './webhooks-api-helpers.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** §5.13: after failed attempt n, attempt n+1 is due after DELAYS[n-1]. */
const DELAYS = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR];
const TIMEOUT_MS = 1_000;

/**
 * One attempt and the retry schedule (§5.13) against a real receiver. The dispatcher only
 * runs on the nudge after a commit and on explicit runOnce (WEBHOOK_DISPATCH_INTERVAL_MS=0),
 * and the app's Clock is moved through the schedule instead of sleeping.
 */
describe('Webhook delivery attempts and retries (§5.13)', () => {
  let t: TestApp;
  let receiver: TestReceiver;
  /** Per receiver path; 200 elsewhere. */
  const replies = new Map<string, Reply>();

  beforeAll(async () => {
    receiver = await startTestReceiver();
    receiver.reply = (r) => replies.get(r.path) ?? 200;
    t = await createTestApp({ WEBHOOK_DISPATCH_INTERVAL_MS: '0', WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS) });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  /** A fresh tenant with one endpoint for session.cancelled, answered with `reply`. */
  async function setUp(reply: Reply, options: { url?: string } = {}): Promise<{ test: CreatedKey; ep: ConnectedEndpoint }> {
    const { test } = await t.tenant();
    const ep = await connectEndpoint(t, test, receiver, { subscribed_event_types: ['verification.session.cancelled'], url: options.url });
    replies.set(ep.path, reply);
    return { test, ep };
  }

  /** Cancels a new session; returns its event and the delivery to `ep` once the first attempt is recorded. */
  async function firstAttempt(test: CreatedKey, ep: ConnectedEndpoint): Promise<{ event: Json; delivery: Json }> {
    const session = await createSession(t, test);
    expect((await t.http().post(`/v1/sessions/${session.id}/cancel`).set(bearer(test))).status).toBe(204);
    const event = await eventOf(t, test, 'verification.session.cancelled', session.id);
    const id = event.deliveries.find((d: Json) => d.webhook_endpoint_id === ep.id).id;
    const delivery = await waitForDelivery(t, test, id, (d) => d.attempt_count === 1 && d.status !== 'delivering', 'the first attempt');
    return { event, delivery };
  }

  const getDelivery = async (test: CreatedKey, id: string) => waitForDelivery(t, test, id, () => true, 'read');

  it('follows 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then fails with next_attempt_at null; nothing goes out early', async () => {
    const { test, ep } = await setUp(500);
    let { delivery } = await firstAttempt(test, ep);
    const id = delivery.id;
    for (let n = 1; n <= 7; n++) {
      expect(delivery).toMatchObject({ status: 'pending', attempt_count: n, last_status_code: 500, last_error: 'http_status' });
      expect(delivery.last_attempt_at).toMatch(ISO_MS);
      const gap = Date.parse(delivery.next_attempt_at) - Date.parse(delivery.last_attempt_at);
      expect(gap).toBeGreaterThanOrEqual(DELAYS[n - 1]);
      expect(gap).toBeLessThan(DELAYS[n - 1] + 2 * SECOND);
      expect(receiver.forDelivery(id)).toHaveLength(n);

      // Just before the delay: not due, nothing sent.
      await advanceAndDispatch(t, DELAYS[n - 1] - SECOND);
      expect(receiver.forDelivery(id)).toHaveLength(n);
      expect(await getDelivery(test, id)).toMatchObject({ status: 'pending', attempt_count: n });

      // At the delay: attempt n+1.
      await advanceAndDispatch(t, SECOND);
      await receiver.waitFor((rs) => rs.filter((r) => r.deliveryId === id).length === n + 1, `attempt ${n + 1}`);
      delivery = await waitForDelivery(t, test, id, (d) => d.attempt_count === n + 1 && d.status !== 'delivering', `attempt ${n + 1} recorded`);
    }
    expect(delivery).toMatchObject({ status: 'failed', attempt_count: 8, next_attempt_at: null, last_status_code: 500, last_error: 'http_status' });

    // Used up: however far the clock goes, nothing more is sent.
    await advanceAndDispatch(t, 48 * HOUR);
    expect(receiver.forDelivery(id)).toHaveLength(8);
    const requests = receiver.forDelivery(id);
    expect(requests.every((r) => r.rawBody.equals(requests[0].rawBody) && r.outcome === 500)).toBe(true);
    // Each attempt is a request of its own, t moving with the app's clock.
    const ts = requests.map((r) => Number(/^t=(\d+)/.exec(r.signature!)![1]));
    for (let n = 1; n < 8; n++) expect(ts[n] - ts[n - 1]).toBeGreaterThanOrEqual(DELAYS[n - 1] / SECOND);
  });

  it('a replay resets a used-up delivery and starts the schedule again; a retry does too', async () => {
    const { test, ep } = await setUp(500);
    const { event, delivery } = await firstAttempt(test, ep);
    // Use up the schedule quickly.
    for (let n = 1; n <= 7; n++) {
      await advanceAndDispatch(t, DELAYS[n - 1]);
      await waitForDelivery(t, test, delivery.id, (d) => d.attempt_count === n + 1 && d.status !== 'delivering', `attempt ${n + 1}`);
    }
    expect(await getDelivery(test, delivery.id)).toMatchObject({ status: 'failed', attempt_count: 8 });

    const replayed = await t.http().post(`/v1/webhooks/events/${event.id}/replay`).set(bearer(test));
    expect(replayed.status).toBe(202);
    expect(replayed.body.data.deliveries).toEqual([
      { id: delivery.id, webhook_endpoint_id: ep.id, status: 'pending', attempt_count: 0, last_status_code: null, last_attempt_at: null },
    ]);
    await receiver.waitFor((rs) => rs.filter((r) => r.deliveryId === delivery.id).length === 9, 'the replayed attempt');
    const afterReplay = await waitForDelivery(t, test, delivery.id, (d) => d.attempt_count === 1 && d.status === 'pending', 'the replay recorded');
    expect(afterReplay).toMatchObject({ last_status_code: 500, last_error: 'http_status' });
    expect(Date.parse(afterReplay.next_attempt_at) - Date.parse(afterReplay.last_attempt_at)).toBeGreaterThanOrEqual(DELAYS[0]);

    // A retry mid-schedule: reset again, sent now (no 5 s wait), and this time the receiver accepts it.
    replies.set(ep.path, 200);
    const retried = expectOk(await t.http().post(`/v1/webhooks/deliveries/${delivery.id}/retry`).set(bearer(test)));
    expect(retried).toMatchObject({ status: 'pending', attempt_count: 0, next_attempt_at: null, last_status_code: null, last_attempt_at: null, last_error: null });
    const done = await waitForDelivery(t, test, delivery.id, (d) => d.status === 'succeeded', 'success');
    expect(done).toMatchObject({ attempt_count: 1, next_attempt_at: null, last_status_code: 200, last_error: null });
    const requests = receiver.forDelivery(delivery.id);
    expect(requests).toHaveLength(10);
    expect(requests.every((r) => r.rawBody.equals(requests[0].rawBody))).toBe(true);

    // Succeeded stays succeeded: no more attempts.
    await advanceAndDispatch(t, 11 * HOUR);
    expect(receiver.forDelivery(delivery.id)).toHaveLength(10);
  });

  it('counts any 2xx as success and records its status', async () => {
    const { test, ep } = await setUp(204);
    const { delivery } = await firstAttempt(test, ep);
    expect(delivery).toMatchObject({ status: 'succeeded', attempt_count: 1, last_status_code: 204, last_error: null, next_attempt_at: null });
  });

  it.each([301, 302, 303, 307, 308])('does not follow a %i redirect: one failed attempt with last_status_code and http_status', async (status) => {
    const { test, ep } = await setUp({ status, headers: { location: receiver.url('/redirected') } });
    const { delivery } = await firstAttempt(test, ep);
    expect(delivery).toMatchObject({ status: 'pending', attempt_count: 1, last_status_code: status, last_error: 'http_status' });
    expect(receiver.onPath('/redirected')).toEqual([]);
  });

  it.each([400, 404, 410, 429, 503])('records a %i reply as http_status', async (status) => {
    const { test, ep } = await setUp(status);
    const { delivery } = await firstAttempt(test, ep);
    expect(delivery).toMatchObject({ status: 'pending', attempt_count: 1, last_status_code: status, last_error: 'http_status' });
  });

  it('a reply slower than WEBHOOK_TIMEOUT_MS is a timeout with no status code', async () => {
    const { test, ep } = await setUp('hold');
    const started = Date.now();
    const { delivery } = await firstAttempt(test, ep);
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
    expect(delivery).toMatchObject({ status: 'pending', attempt_count: 1, last_status_code: null, last_error: 'timeout' });
    const [request] = receiver.forDelivery(delivery.id);
    // The sender hung up on the held request.
    await receiver.waitFor(() => request.outcome === 'aborted', 'the sender to give up');
    // Its scheduled retries would hold later cycles up for a whole timeout each.
    replies.set(ep.path, 200);
  });

  it('a reply inside WEBHOOK_TIMEOUT_MS counts, however slow', async () => {
    const { test, ep } = await setUp({ status: 200, delayMs: TIMEOUT_MS / 2 });
    const { delivery } = await firstAttempt(test, ep);
    expect(delivery).toMatchObject({ status: 'succeeded', attempt_count: 1, last_status_code: 200 });
  });

  it('a refused connection is a network_error with no status code', async () => {
    const { test, ep } = await setUp(200, { url: await refusingUrl() });
    const { delivery } = await firstAttempt(test, ep);
    expect(delivery).toMatchObject({ status: 'pending', attempt_count: 1, last_status_code: null, last_error: 'network_error' });
  });

  it('a connection closed before any reply is a network_error; the next attempt is sent after 5 s', async () => {
    const { test, ep } = await setUp('close');
    const { delivery } = await firstAttempt(test, ep);
    expect(delivery).toMatchObject({ status: 'pending', attempt_count: 1, last_status_code: null, last_error: 'network_error' });
    expect(receiver.forDelivery(delivery.id)).toHaveLength(1);
    replies.set(ep.path, 200);
    await dispatch(t);
    expect(receiver.forDelivery(delivery.id)).toHaveLength(1);
    await advanceAndDispatch(t, DELAYS[0]);
    const done = await waitForDelivery(t, test, delivery.id, (d) => d.status === 'succeeded', 'the second attempt');
    expect(done).toMatchObject({ attempt_count: 2, last_status_code: 200, last_error: null });
    const [first, second] = receiver.forDelivery(delivery.id);
    expect(second.rawBody.equals(first.rawBody)).toBe(true);
  });
});
