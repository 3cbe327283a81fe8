import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';
import { createSession, drive } from './helpers/lifecycle.js';
import { expectApiError } from './helpers/sessions.js';
import {
  DELIVERY_ID,
  DELIVERY_KEYS,
  DOCS,
  EVENT_DELIVERY_KEYS,
  EVENT_ID,
  EVENT_KEYS,
  EVENT_TYPES,
  ISO_MS,
  createEndpoint,
  createKey,
  eventually,
  expectBadRequest,
  expectDeliveryNotFound,
  expectEventNotFound,
  expectForbidden,
  expectList,
  expectOk,
  startReceiver,
  walk,
  type Json,
  type Receiver,
} from './webhooks-api-helpers.js';

/**
 * Events and deliveries exist only through the outbox: real test sessions are driven with
 * the test helpers (§7.3), and the delivery engine posts to a local receiver that answers
 * 500, so every delivery with a payload keeps a failed first attempt to reset.
 */
describe('Webhook events and deliveries API (§5.9, §5.10)', () => {
  let t: TestApp;
  let orgId: string;
  let live: CreatedKey;
  let test: CreatedKey;
  let receiver: Receiver;
  /** Test endpoint with a key, subscribed to every type except session.expired. */
  let sealed: Json;
  let sealedKey: Json;
  /** Test endpoint without a key, default subscriptions: its deliveries fail closed. */
  let keyless: Json;
  let failedSessionId: string;
  let expiredSessionId: string;
  let succeededSessionId: string;
  let liveEventId: string;

  beforeAll(async () => {
    receiver = await startReceiver(500);
    // No periodic dispatch: attempts happen right after the deliveries are created or reset.
    t = await createTestApp({ WEBHOOK_DISPATCH_INTERVAL_MS: '0' });
    ({ orgId, live, test } = await t.tenant());
    sealed = (
      await createEndpoint(t, test, {
        url: receiver.url,
        name: 'sealed',
        subscribed_event_types: EVENT_TYPES.filter((type) => type !== 'verification.session.expired'),
      })
    ).endpoint;
    sealedKey = await createKey(t, test, sealed.id);
    keyless = (await createEndpoint(t, test, { url: receiver.url, name: 'keyless' })).endpoint;

    failedSessionId = (await createSession(t, test)).id;
    for (let i = 0; i < 3; i++) await drive(t, test, failedSessionId, 'fail');
    expiredSessionId = (await createSession(t, test)).id;
    await drive(t, test, expiredSessionId, 'expire');
    succeededSessionId = (await createSession(t, test)).id;
    await drive(t, test, succeededSessionId, 'succeed');

    const liveEndpoint = (await createEndpoint(t, live, { url: receiver.url })).endpoint;
    await createKey(t, live, liveEndpoint.id);
    const liveSession = await createSession(t, live);
    expect((await t.http().post(`/v1/sessions/${liveSession.id}/cancel`).set(bearer(live))).status).toBe(204);
    liveEventId = expectList(await t.http().get('/v1/webhooks/events').set(bearer(live))).data[0].id;

    // Every delivery with a payload has had its first attempt started (claimed by the engine).
    await eventually(async () => {
      const { data } = expectList(await t.http().get('/v1/webhooks/deliveries').query({ limit: 100 }).set(bearer(test)));
      const sent = data.filter((d) => d.webhook_encryption_key_id !== null);
      return sent.length > 0 && sent.every((d) => d.attempt_count >= 1) ? true : undefined;
    }, 'first attempts');
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  const events = (key: CreatedKey = test, query: Record<string, string> = {}, base = '/v1/webhooks/events') =>
    t.http().get(base).query(query).set(bearer(key));
  const getEvent = (id: string, key: CreatedKey = test, base = '/v1/webhooks/events') =>
    t.http().get(`${base}/${id}`).set(bearer(key));
  const replay = (id: string, key: CreatedKey = test, base = '/v1/webhooks/events') =>
    t.http().post(`${base}/${id}/replay`).set(bearer(key));
  const deliveries = (key: CreatedKey = test, query: Record<string, string> = {}) =>
    t.http().get('/v1/webhooks/deliveries').query(query).set(bearer(key));
  const retry = (id: string, key: CreatedKey = test) => t.http().post(`/v1/webhooks/deliveries/${id}/retry`).set(bearer(key));

  async function allEvents(key: CreatedKey = test): Promise<Json[]> {
    return expectList(await events(key, { limit: '100' })).data;
  }
  async function eventOf(type: string, sessionId: string): Promise<Json> {
    const found = (await allEvents()).filter((e) => e.type === type && (e.trigger_id === sessionId || type.includes('attempt')));
    if (found.length === 0) throw new Error(`no ${type} event`);
    return found[0];
  }
  async function deliveryOf(eventId: string, endpointId: string): Promise<Json> {
    const { data } = expectList(await deliveries(test, { event_id: eventId, endpoint_id: endpointId }));
    expect(data).toHaveLength(1);
    return data[0];
  }

  describe('GET /v1/webhooks/events (§5.9)', () => {
    it('lists the environment events newest first, each with its deliveries oldest first', async () => {
      const res = await events(test, { limit: '100' });
      const { data, pagination } = expectList(res);
      expect(pagination).toEqual({ limit: 100, has_more: false, next_cursor: null });
      // 3 attempt.failed + session.failed, session.expired, attempt.succeeded + session.succeeded.
      expect(data).toHaveLength(7);
      for (const event of data) {
        expect(Object.keys(event)).toEqual(EVENT_KEYS);
        expect(event.id).toMatch(EVENT_ID);
        expect(event.livemode).toBe(false);
        expect(event.created_at).toMatch(ISO_MS);
        for (const d of event.deliveries) expect(Object.keys(d)).toEqual(EVENT_DELIVERY_KEYS);
        const created = event.deliveries.map((d: Json) => d.id);
        expect(created.length).toBeGreaterThan(0);
      }
      const times = data.map((e) => Date.parse(e.created_at));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      expect(data.filter((e) => e.type === 'verification.attempt.failed')).toHaveLength(3);
      const expired = data.find((e) => e.type === 'verification.session.expired')!;
      expect(expired).toMatchObject({ trigger_type: 'verification_session', trigger_id: expiredSessionId });
      expect(expired.deliveries.map((d: Json) => d.webhook_endpoint_id)).toEqual([keyless.id]);
      const failedEvent = data.find((e) => e.type === 'verification.session.failed')!;
      expect(failedEvent).toMatchObject({ trigger_type: 'verification_session', trigger_id: failedSessionId });
      // Fan-out order is the endpoints' creation order; both deliveries share the event's created_at.
      expect(failedEvent.deliveries.map((d: Json) => d.webhook_endpoint_id).sort()).toEqual([sealed.id, keyless.id].sort());
      const attemptEvent = data.find((e) => e.type === 'verification.attempt.failed')!;
      expect(attemptEvent.trigger_type).toBe('verification_attempt');
      expect(attemptEvent.trigger_id).toMatch(/^va_[a-z0-9]{64}$/);
      expect(attemptEvent.deliveries.map((d: Json) => d.webhook_endpoint_id)).toEqual([sealed.id]);
    });

    it('embeds the delivery summary the deliveries list shows', async () => {
      const failedEvent = await eventOf('verification.session.failed', failedSessionId);
      // The failed-closed delivery never changes, so the two reads cannot race the engine.
      const full = await deliveryOf(failedEvent.id, keyless.id);
      const embedded = failedEvent.deliveries.find((d: Json) => d.id === full.id);
      expect(embedded).toEqual({
        id: full.id,
        webhook_endpoint_id: full.webhook_endpoint_id,
        status: full.status,
        attempt_count: full.attempt_count,
        last_status_code: full.last_status_code,
        last_attempt_at: full.last_attempt_at,
      });
    });

    it('serves the same list under the /v1/events alias', async () => {
      const a = expectList(await events(test, { limit: '100' }));
      const b = expectList(await events(test, { limit: '100' }, '/v1/events'));
      expect(b.data.map((e) => e.id)).toEqual(a.data.map((e) => e.id));
      expect(b.pagination).toEqual(a.pagination);
    });

    it('keeps environments apart', async () => {
      const liveEvents = await allEvents(live);
      expect(liveEvents.map((e) => e.id)).toEqual([liveEventId]);
      expect(liveEvents[0]).toMatchObject({ type: 'verification.session.cancelled', livemode: true });
      const testIds = (await allEvents(test)).map((e) => e.id);
      expect(testIds).not.toContain(liveEventId);
      const other = await t.tenant();
      expect(await allEvents(other.test)).toEqual([]);
    });

    it('walks pages of 2 without skipping or repeating', async () => {
      const full = (await allEvents()).map((e) => e.id);
      for (const base of ['/v1/webhooks/events', '/v1/events']) {
        const { ids, pages } = await walk(t, test, base, { limit: 2 });
        expect(ids).toEqual(full);
        expect(pages.map((p) => p.data.length)).toEqual([2, 2, 2, 1]);
      }
    });

    it('filters by exact type; an unknown type gives an empty list', async () => {
      const failed = expectList(await events(test, { type: 'verification.attempt.failed' })).data;
      expect(failed).toHaveLength(3);
      expect(failed.every((e) => e.type === 'verification.attempt.failed')).toBe(true);
      expect(expectList(await events(test, { type: 'verification.attempt' })).data).toEqual([]);
      expect(expectList(await events(test, { type: 'nonsense' })).data).toEqual([]);
      expect(expectList(await events(test, { type: 'VERIFICATION.SESSION.FAILED' })).data).toEqual([]);
    });

    it('filters by created_from and created_to, both inclusive', async () => {
      const all = await allEvents();
      const newest = all[0];
      const oldest = all[all.length - 1];
      const from = expectList(await events(test, { created_from: newest.created_at })).data;
      expect(from.map((e) => e.created_at).every((c) => c === newest.created_at)).toBe(true);
      expect(from.map((e) => e.id)).toContain(newest.id);
      const to = expectList(await events(test, { created_to: oldest.created_at })).data;
      expect(to.map((e) => e.id)).toContain(oldest.id);
      expect(to.every((e) => e.created_at === oldest.created_at)).toBe(true);
      const window = expectList(
        await events(test, { created_from: oldest.created_at, created_to: newest.created_at, limit: '100' }),
      ).data;
      expect(window).toHaveLength(all.length);
      // Offsets are accepted; a from later than to is simply empty.
      const inOffset = new Date(Date.parse(newest.created_at) + 1).toISOString().replace('Z', '+00:00');
      expect(expectList(await events(test, { created_from: inOffset })).data).toEqual([]);
      expect(expectList(await events(test, { created_from: newest.created_at, created_to: oldest.created_at })).data).toEqual([]);
    });

    it('rejects bad query parameters with 400 and the list envelope', async () => {
      for (const [query, param] of [
        [{ created_from: 'yesterday' }, 'created_from'],
        [{ created_from: '2026-11-26' }, 'created_from'],
        [{ created_to: '2026-13-01T00:00:00Z' }, 'created_to'],
        [{ limit: '0' }, 'limit'],
        [{ limit: '1.5' }, 'limit'],
        [{ starting_after: 'evt_unknown' }, 'starting_after'],
        [{ starting_after: liveEventId }, 'starting_after'],
      ] as const) {
        expectBadRequest(await events(test, query as Record<string, string>), param, { list: true });
      }
      const repeated = await t.http().get('/v1/webhooks/events?type=a&type=b').set(bearer(test));
      expectBadRequest(repeated, 'type', { list: true });
    });
  });

  describe('GET /v1/webhooks/events/:event_id (§5.9)', () => {
    it('answers the event, under both paths', async () => {
      const listed = await eventOf('verification.session.expired', expiredSessionId);
      for (const base of ['/v1/webhooks/events', '/v1/events']) {
        const res = await getEvent(listed.id, test, base);
        expect(Object.keys(res.body)).toEqual(['data', 'error']);
        const event = expectOk(res);
        expect(Object.keys(event)).toEqual(EVENT_KEYS);
        expect(event).toEqual(listed);
      }
    });

    it('answers 404 for unknown ids, the other environment and other organizations', async () => {
      for (const base of ['/v1/webhooks/events', '/v1/events']) {
        expectEventNotFound(await getEvent('evt_unknown', test, base), 'get-by-id');
        expectEventNotFound(await getEvent(liveEventId, test, base), 'get-by-id');
      }
      const other = await t.tenant();
      expectEventNotFound(await getEvent(liveEventId, other.live), 'get-by-id');
      expectOk(await getEvent(liveEventId, live));
    });
  });

  describe('POST /v1/webhooks/events/:event_id/replay (§5.9)', () => {
    it('answers 202 with the event, every delivery with a payload reset and due now', async () => {
      const event = await eventOf('verification.session.failed', failedSessionId);
      const before = await deliveryOf(event.id, sealed.id);
      expect(before.attempt_count).toBeGreaterThanOrEqual(1);
      expect(before.last_attempt_at).toMatch(ISO_MS);
      const closedBefore = await deliveryOf(event.id, keyless.id);

      const res = await replay(event.id);
      expect(res.status).toBe(202);
      expect(Object.keys(res.body)).toEqual(['data', 'error']);
      const replayed = expectOk(res, 202);
      expect(Object.keys(replayed)).toEqual(EVENT_KEYS);
      expect({ ...replayed, deliveries: undefined }).toEqual({ ...event, deliveries: undefined });
      const reset = replayed.deliveries.find((d: Json) => d.id === before.id);
      expect(reset).toEqual({
        id: before.id,
        webhook_endpoint_id: sealed.id,
        status: 'pending',
        attempt_count: 0,
        last_status_code: null,
        last_attempt_at: null,
      });
      // The failed-closed delivery has no payload and stays as it was.
      const closed = replayed.deliveries.find((d: Json) => d.id === closedBefore.id);
      expect(closed).toMatchObject({ status: 'failed', attempt_count: 1 });
      expect(await deliveryOf(event.id, keyless.id)).toEqual(closedBefore);
    });

    it('works under the /v1/events alias', async () => {
      const event = await eventOf('verification.session.succeeded', succeededSessionId);
      const res = await replay(event.id, test, '/v1/events');
      expect(res.status).toBe(202);
      expect(res.body.data.id).toBe(event.id);
      const d = await deliveryOf(event.id, sealed.id);
      expect(res.body.data.deliveries.find((x: Json) => x.id === d.id)).toMatchObject({ attempt_count: 0, last_attempt_at: null });
    });

    it('answers 409 when no delivery of the event has a payload', async () => {
      const onlyClosed = await eventOf('verification.session.expired', expiredSessionId);
      const conflict = {
        status: 409,
        code: 'CONFLICT',
        message: 'Webhook event cannot be replayed.',
        hint: 'Only webhook events with deliveries can be replayed.',
        docs: `${DOCS}/webhooks/events#replay`,
      };
      expectApiError(await replay(onlyClosed.id), conflict);
      // An event from before any endpoint existed has no deliveries at all.
      const other = await t.tenant();
      const session = await createSession(t, other.test);
      await drive(t, other.test, session.id, 'expire');
      const lonely = expectList(await events(other.test)).data[0];
      expect(lonely.deliveries).toEqual([]);
      expectApiError(await replay(lonely.id, other.test), conflict);
      expectApiError(await replay(lonely.id, other.test, '/v1/events'), conflict);
    });

    it('answers 404 (replay anchor) for unknown ids and the other environment', async () => {
      for (const base of ['/v1/webhooks/events', '/v1/events']) {
        expectEventNotFound(await replay('evt_unknown', test, base), 'replay');
        expectEventNotFound(await replay(liveEventId, test, base), 'replay');
      }
    });

    it('takes no body', async () => {
      const event = await eventOf('verification.session.failed', failedSessionId);
      expectBadRequest(await replay(event.id).send({ force: true }), 'force');
      expect((await replay(event.id).send({})).status).toBe(202);
    });
  });

  describe('GET /v1/webhooks/deliveries (§5.10)', () => {
    it('lists deliveries newest first with the keys in contract order', async () => {
      const { data, pagination } = expectList(await deliveries(test, { limit: '100' }));
      expect(pagination.has_more).toBe(false);
      // sealed: 3 attempt.failed + session.failed + attempt.succeeded + session.succeeded; keyless: failed, expired, succeeded.
      expect(data).toHaveLength(9);
      for (const d of data) {
        expect(Object.keys(d)).toEqual(DELIVERY_KEYS);
        expect(d.id).toMatch(DELIVERY_ID);
        expect(d.livemode).toBe(false);
        expect(d.created_at).toMatch(ISO_MS);
      }
      const times = data.map((d) => Date.parse(d.created_at));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    });

    it('shows failed-closed deliveries: failed, one attempt, no key, no_active_encryption_key', async () => {
      const { data } = expectList(await deliveries(test, { endpoint_id: keyless.id }));
      expect(data).toHaveLength(3);
      for (const d of data) {
        expect(d).toMatchObject({
          webhook_endpoint_id: keyless.id,
          webhook_encryption_key_id: null,
          status: 'failed',
          attempt_count: 1,
          next_attempt_at: null,
          last_status_code: null,
          last_error: 'no_active_encryption_key',
        });
        expect(d.last_attempt_at).toBe(d.created_at);
      }
    });

    it('shows deliveries with a payload encrypted to the endpoint key', async () => {
      const { data } = expectList(await deliveries(test, { endpoint_id: sealed.id }));
      expect(data).toHaveLength(6);
      expect(data.every((d) => d.webhook_encryption_key_id === sealedKey.id)).toBe(true);
    });

    it('filters by status, endpoint_id and event_id, together', async () => {
      const failed = expectList(await deliveries(test, { status: 'failed' })).data;
      expect(failed.length).toBeGreaterThanOrEqual(3);
      expect(failed.every((d) => d.status === 'failed')).toBe(true);
      const event = await eventOf('verification.session.failed', failedSessionId);
      const ofEvent = expectList(await deliveries(test, { event_id: event.id })).data;
      expect(ofEvent.map((d) => d.webhook_endpoint_id).sort()).toEqual([sealed.id, keyless.id].sort());
      const both = expectList(await deliveries(test, { event_id: event.id, endpoint_id: keyless.id, status: 'failed' })).data;
      expect(both).toHaveLength(1);
      expect(expectList(await deliveries(test, { event_id: event.id, status: 'delivering', endpoint_id: keyless.id })).data).toEqual([]);
      expect(expectList(await deliveries(test, { endpoint_id: 'whe_unknown' })).data).toEqual([]);
      expect(expectList(await deliveries(test, { event_id: 'evt_unknown' })).data).toEqual([]);
    });

    it('walks pages of 4 without skipping or repeating', async () => {
      const full = expectList(await deliveries(test, { limit: '100' })).data.map((d) => d.id);
      const { ids, pages } = await walk(t, test, '/v1/webhooks/deliveries', { limit: 4 });
      expect(ids).toEqual(full);
      expect(pages.map((p) => p.data.length)).toEqual([4, 4, 1]);
    });

    it('keeps environments apart', async () => {
      const liveList = expectList(await deliveries(live, { limit: '100' })).data;
      expect(liveList).toHaveLength(1);
      expect(liveList[0]).toMatchObject({ event_id: liveEventId, livemode: true });
      const testIds = expectList(await deliveries(test, { limit: '100' })).data.map((d) => d.id);
      expect(testIds).not.toContain(liveList[0].id);
      expectBadRequest(await deliveries(test, { starting_after: liveList[0].id }), 'starting_after', { list: true });
    });

    it('rejects bad query parameters with 400 and the list envelope', async () => {
      expectBadRequest(await deliveries(test, { status: 'sent' }), 'status', { list: true });
      expectBadRequest(await deliveries(test, { limit: '101' }), 'limit', { list: true });
      expectBadRequest(await deliveries(test, { starting_after: 'whd_unknown' }), 'starting_after', { list: true });
      const res = await t.http().get('/v1/webhooks/deliveries?endpoint_id=a&endpoint_id=b').set(bearer(test));
      expectBadRequest(res, 'endpoint_id', { list: true });
    });
  });

  describe('POST /v1/webhooks/deliveries/:delivery_id/retry (§5.10)', () => {
    it('answers 200 (not 202) with the delivery reset and due now', async () => {
      const event = (await allEvents()).find((e) => e.type === 'verification.attempt.failed')!;
      const before = await deliveryOf(event.id, sealed.id);
      expect(before.attempt_count).toBeGreaterThanOrEqual(1);
      const res = await retry(before.id);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(['data', 'error']);
      const d = expectOk(res);
      expect(Object.keys(d)).toEqual(DELIVERY_KEYS);
      expect(d).toEqual({
        ...before,
        status: 'pending',
        attempt_count: 0,
        next_attempt_at: null,
        last_status_code: null,
        last_attempt_at: null,
        last_error: null,
        updated_at: d.updated_at,
      });
      expect(Date.parse(d.updated_at)).toBeGreaterThanOrEqual(Date.parse(before.updated_at));
    });

    it('answers 409 for a delivery without a payload (failed closed)', async () => {
      const { data } = expectList(await deliveries(test, { endpoint_id: keyless.id }));
      const res = await retry(data[0].id);
      expectApiError(res, {
        status: 409,
        code: 'CONFLICT',
        message: 'Webhook delivery cannot be retried.',
        hint: 'Only webhook deliveries with a retained payload can be retried.',
        docs: `${DOCS}/webhooks/deliveries#retry`,
      });
      expect(expectList(await deliveries(test, { endpoint_id: keyless.id })).data[0]).toEqual(data[0]);
    });

    it('answers 404 for unknown ids and the other environment', async () => {
      expectDeliveryNotFound(await retry('whd_unknown'));
      const liveDelivery = expectList(await deliveries(live)).data[0];
      expectDeliveryNotFound(await retry(liveDelivery.id, test));
      const other = await t.tenant();
      expectDeliveryNotFound(await retry(liveDelivery.id, other.live));
      expectOk(await retry(liveDelivery.id, live));
    });

    it('takes no body', async () => {
      const d = expectList(await deliveries(test, { endpoint_id: sealed.id })).data[0];
      expectBadRequest(await retry(d.id).send({ now: true }), 'now');
    });
  });

  describe('deleting an endpoint (§5.6)', () => {
    it('deletes its deliveries and keeps the events', async () => {
      // A tenant of its own: the suite's other endpoints subscribe to cancelled events too.
      const { test: key } = await t.tenant();
      const endpoint = (await createEndpoint(t, key, { url: receiver.url, subscribed_event_types: ['verification.session.cancelled'] })).endpoint;
      await createKey(t, key, endpoint.id);
      const session = await createSession(t, key);
      expect((await t.http().post(`/v1/sessions/${session.id}/cancel`).set(bearer(key))).status).toBe(204);
      const event = expectList(await events(key)).data[0];
      expect(event).toMatchObject({ type: 'verification.session.cancelled', trigger_id: session.id });
      expect(event.deliveries.map((d: Json) => d.webhook_endpoint_id)).toEqual([endpoint.id]);
      const deliveryId = event.deliveries[0].id;

      expectOk(await t.http().delete(`/v1/webhooks/endpoints/${endpoint.id}`).set(bearer(key)));
      const after = expectOk(await getEvent(event.id, key));
      expect({ ...after, deliveries: undefined }).toEqual({ ...event, deliveries: undefined });
      expect(after.deliveries).toEqual([]);
      expect(expectList(await deliveries(key)).data).toEqual([]);
      expectDeliveryNotFound(await retry(deliveryId, key));
      expectApiError(await replay(event.id, key), {
        status: 409,
        code: 'CONFLICT',
        message: 'Webhook event cannot be replayed.',
        hint: 'Only webhook events with deliveries can be replayed.',
        docs: `${DOCS}/webhooks/events#replay`,
      });
    });
  });

  /**
   * These need the delivery engine (src/webhooks/dispatcher.service.ts) to really POST to
   * the receiver and record the reply; the API tests above only need it to claim.
   */
  describe('with the delivery engine sending', () => {
    it('a delivery answered 500 shows last_status_code 500 and last_error http_status, retried 5 s later', async () => {
      const event = (await allEvents()).find((e) => e.type === 'verification.attempt.failed')!;
      const d = await eventually(async () => {
        const found = await deliveryOf(event.id, sealed.id);
        return found.status === 'pending' && found.last_status_code === 500 ? found : undefined;
      }, 'a recorded 500');
      expect(d).toMatchObject({ attempt_count: 1, last_error: 'http_status' });
      expect(Date.parse(d.next_attempt_at) - Date.parse(d.last_attempt_at)).toBeGreaterThanOrEqual(5_000);
      const embedded = expectOk(await getEvent(event.id)).deliveries.find((x: Json) => x.id === d.id);
      expect(embedded).toMatchObject({ status: 'pending', attempt_count: 1, last_status_code: 500 });
    });

    it('sends a replayed delivery again, with the same delivery id', async () => {
      const event = await eventOf('verification.session.failed', failedSessionId);
      const d = await deliveryOf(event.id, sealed.id);
      const sentBefore = receiver.requests.filter((r) => r.headers['x-kayle-delivery-id'] === d.id).length;
      expect((await replay(event.id)).status).toBe(202);
      await eventually(
        async () => (receiver.requests.filter((r) => r.headers['x-kayle-delivery-id'] === d.id).length > sentBefore ? true : undefined),
        'the replayed delivery to be sent',
      );
    });

    it('retries and replays a delivery that already succeeded', async () => {
      receiver.status = 200;
      try {
        const event = await eventOf('verification.session.succeeded', succeededSessionId);
        const d = await deliveryOf(event.id, sealed.id);
        expectOk(await retry(d.id));
        const succeeded = await eventually(async () => {
          const found = await deliveryOf(event.id, sealed.id);
          return found.status === 'succeeded' ? found : undefined;
        }, 'success');
        expect(succeeded).toMatchObject({ attempt_count: 1, last_status_code: 200, last_error: null, next_attempt_at: null });
        const retried = expectOk(await retry(d.id));
        expect(retried).toMatchObject({ status: 'pending', attempt_count: 0, last_status_code: null, last_attempt_at: null });
        await eventually(async () => ((await deliveryOf(event.id, sealed.id)).status === 'succeeded' ? true : undefined), 'success again');
        const res = await replay(event.id);
        expect(res.status).toBe(202);
        expect(res.body.data.deliveries.find((x: Json) => x.id === d.id)).toEqual({
          id: d.id,
          webhook_endpoint_id: sealed.id,
          status: 'pending',
          attempt_count: 0,
          last_status_code: null,
          last_attempt_at: null,
        });
      } finally {
        receiver.status = 500;
      }
    });
  });

  describe('scopes (§2.2)', () => {
    it('webhooks:read reads events and deliveries but cannot replay or retry; webhooks:write cannot read', async () => {
      const readOnly = await t.createKey(orgId, { livemode: false, scopes: ['webhooks:read'] });
      const writeOnly = await t.createKey(orgId, { livemode: false, scopes: ['webhooks:write'] });
      const event = await eventOf('verification.session.failed', failedSessionId);
      const delivery = await deliveryOf(event.id, sealed.id);
      for (const base of ['/v1/webhooks/events', '/v1/events']) {
        expectList(await events(readOnly, {}, base));
        expectOk(await getEvent(event.id, readOnly, base));
        expectForbidden(await replay(event.id, readOnly, base));
        expectForbidden(await events(writeOnly, {}, base));
        expectForbidden(await getEvent(event.id, writeOnly, base));
      }
      expectList(await deliveries(readOnly));
      expectForbidden(await retry(delivery.id, readOnly));
      expectForbidden(await deliveries(writeOnly));
      expect((await replay(event.id, writeOnly)).status).toBe(202);
      expectOk(await retry(delivery.id, writeOnly));
      // The scope check comes before the 404.
      expectForbidden(await replay('evt_unknown', readOnly));
      expectForbidden(await retry('whd_unknown', readOnly));
    });
  });
});
