import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';
import { createSession, drive } from './helpers/lifecycle.js';
import { expectApiError } from './helpers/sessions.js';
import {
  advanceAndDispatch,
  connectEndpoint,
  dispatch,
  eventOf,
  jweParts,
  listDeliveries,
  openDelivery,
  startTestReceiver,
  waitForDelivery,
  type ConnectedEndpoint,
  type TestReceiver,
} from './helpers/receiver.js';
import { DOCS, EVENT_TYPES, expectOk, type Json } from './webhooks-api-helpers.js';

const HOUR_MS = 3_600_000;

/**
 * Fan-out (§5.13): which endpoints get a delivery, which deliveries fail closed, and what
 * a receiver sees (or never sees) for each. Deliveries and requests are matched by
 * endpoint and receiver path, so the endpoints of one tenant can share a receiver.
 */
describe('Webhook delivery fan-out and routing (§5.13, §1.8)', () => {
  let t: TestApp;
  let receiver: TestReceiver;
  let test: CreatedKey;
  let live: CreatedKey;
  /** Every type; the reference that something was sent. */
  let all: ConnectedEndpoint;
  /** Created disabled. */
  let disabled: ConnectedEndpoint;
  /** Subscribed to session.cancelled only. */
  let cancelledOnly: ConnectedEndpoint;
  /** Default subscriptions, no key. */
  let keyless: ConnectedEndpoint;
  /** Default subscriptions, its only key deactivated. */
  let deactivated: ConnectedEndpoint;
  /** A live endpoint, every type. */
  let liveEp: ConnectedEndpoint;
  let failedSessionId: string;
  let failedEvent: Json;

  beforeAll(async () => {
    receiver = await startTestReceiver();
    t = await createTestApp({ WEBHOOK_DISPATCH_INTERVAL_MS: '0' });
    ({ test, live } = await t.tenant());
    all = await connectEndpoint(t, test, receiver, { subscribed_event_types: EVENT_TYPES });
    disabled = await connectEndpoint(t, test, receiver, { subscribed_event_types: EVENT_TYPES, enabled: false });
    cancelledOnly = await connectEndpoint(t, test, receiver, { subscribed_event_types: ['verification.session.cancelled'] });
    keyless = await connectEndpoint(t, test, receiver, { withKey: false });
    deactivated = await connectEndpoint(t, test, receiver);
    expectOk(await t.http().post(`/v1/webhooks/keys/${deactivated.key!.id}/deactivate`).set(bearer(test)));
    liveEp = await connectEndpoint(t, live, receiver, { subscribed_event_types: EVENT_TYPES });

    failedSessionId = (await createSession(t, test)).id;
    for (let i = 0; i < 3; i++) await drive(t, test, failedSessionId, 'fail');
    failedEvent = await eventOf(t, test, 'verification.session.failed', failedSessionId);
    // Everything sendable has been sent once.
    await receiver.waitFor((rs) => rs.filter((r) => r.path === all.path).length >= 4, 'the four deliveries to the reference endpoint');
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const endpointsOf = (event: Json) => event.deliveries.map((d: Json) => d.webhook_endpoint_id).sort();

  it('fans out to enabled, subscribed endpoints of the same environment only', async () => {
    expect(endpointsOf(failedEvent)).toEqual([all.id, keyless.id, deactivated.id].sort());
    for (const attemptEvent of await (async () => {
      const res = await t.http().get('/v1/webhooks/events').query({ type: 'verification.attempt.failed' }).set(bearer(test));
      return res.body.data as Json[];
    })()) {
      // Only `all` subscribes to attempt events.
      expect(endpointsOf(attemptEvent)).toEqual([all.id]);
    }
    expect(receiver.onPath(all.path)).toHaveLength(4);
  });

  it('a disabled endpoint gets no delivery row and no request', async () => {
    expect(await listDeliveries(t, test, { endpoint_id: disabled.id })).toEqual([]);
    expect(receiver.onPath(disabled.path)).toEqual([]);
  });

  it('an endpoint not subscribed to the type gets no delivery row and no request', async () => {
    expect(await listDeliveries(t, test, { endpoint_id: cancelledOnly.id })).toEqual([]);
    expect(receiver.onPath(cancelledOnly.path)).toEqual([]);
  });

  it('test events never reach a live endpoint', async () => {
    expect(await listDeliveries(t, live)).toEqual([]);
    expect(receiver.onPath(liveEp.path)).toEqual([]);
  });

  it('an endpoint without an active key fails closed: failed, attempt_count 1, no_active_encryption_key, never sent', async () => {
    for (const ep of [keyless, deactivated]) {
      const [d] = await listDeliveries(t, test, { endpoint_id: ep.id });
      expect(d).toMatchObject({
        event_id: failedEvent.id,
        webhook_encryption_key_id: null,
        status: 'failed',
        attempt_count: 1,
        next_attempt_at: null,
        last_status_code: null,
        last_error: 'no_active_encryption_key',
      });
      expect(d.last_attempt_at).toBe(d.created_at);
      expectApiError(await t.http().post(`/v1/webhooks/deliveries/${d.id}/retry`).set(bearer(test)), {
        status: 409,
        code: 'CONFLICT',
        message: 'Webhook delivery cannot be retried.',
        hint: 'Only webhook deliveries with a retained payload can be retried.',
        docs: `${DOCS}/webhooks/deliveries#retry`,
      });
    }
    // A replay of the event resends the sealed delivery only; the closed ones stay as they were.
    const before = await listDeliveries(t, test, { event_id: failedEvent.id });
    expect((await t.http().post(`/v1/webhooks/events/${failedEvent.id}/replay`).set(bearer(test))).status).toBe(202);
    const sealed = before.find((d) => d.webhook_endpoint_id === all.id)!;
    await receiver.waitFor((rs) => rs.filter((r) => r.deliveryId === sealed.id).length === 2, 'the replayed delivery');
    await waitForDelivery(t, test, sealed.id, (d) => d.status === 'succeeded', 'the replay recorded');
    await advanceAndDispatch(t, 11 * HOUR_MS);
    const after = await listDeliveries(t, test, { event_id: failedEvent.id });
    for (const ep of [keyless, deactivated]) {
      expect(after.find((d) => d.webhook_endpoint_id === ep.id)).toEqual(before.find((d) => d.webhook_endpoint_id === ep.id));
      expect(receiver.onPath(ep.path)).toEqual([]);
    }
  });

  it('live events reach only live endpoints, with livemode true in the payload', async () => {
    const session = await createSession(t, live);
    expect((await t.http().post(`/v1/sessions/${session.id}/cancel`).set(bearer(live))).status).toBe(204);
    const event = await eventOf(t, live, 'verification.session.cancelled', session.id);
    expect(endpointsOf(event)).toEqual([liveEp.id]);
    const request = await receiver.waitFor((rs) => rs.find((r) => r.path === liveEp.path), 'the live delivery');
    expect(request.deliveryId).toBe(event.deliveries[0].id);
    const payload = await openDelivery(t, request, [liveEp.secret], liveEp.privateKeys);
    expect(payload.metadata).toMatchObject({ event_id: event.id, livemode: true, verification_session_id: session.id });
    // Nothing of it went to a test endpoint, and the test environment sees neither the event nor its delivery.
    for (const ep of [all, cancelledOnly]) expect(receiver.onPath(ep.path).some((r) => r.deliveryId === request.deliveryId)).toBe(false);
    expect((await listDeliveries(t, test)).map((d) => d.id)).not.toContain(request.deliveryId);
  });

  it('fan-out follows the subscriptions and enabled flag at the moment of the event', async () => {
    const ep = await connectEndpoint(t, test, receiver, { subscribed_event_types: ['verification.session.cancelled'] });
    const cancel = async () => {
      const session = await createSession(t, test);
      expect((await t.http().post(`/v1/sessions/${session.id}/cancel`).set(bearer(test))).status).toBe(204);
      return eventOf(t, test, 'verification.session.cancelled', session.id);
    };
    expect(endpointsOf(await cancel())).toContain(ep.id);
    expectOk(await t.http().patch(`/v1/webhooks/endpoints/${ep.id}`).set(bearer(test)).send({ subscribed_event_types: ['verification.session.expired'] }));
    expect(endpointsOf(await cancel())).not.toContain(ep.id);
    expectOk(await t.http().patch(`/v1/webhooks/endpoints/${ep.id}`).set(bearer(test)).send({ subscribed_event_types: ['verification.session.cancelled'], enabled: false }));
    expect(endpointsOf(await cancel())).not.toContain(ep.id);
    expectOk(await t.http().patch(`/v1/webhooks/endpoints/${ep.id}`).set(bearer(test)).send({ enabled: true }));
    expect(endpointsOf(await cancel())).toContain(ep.id);
    await receiver.waitFor((rs) => rs.filter((r) => r.path === ep.path).length >= 2, 'two deliveries');
    expect(receiver.onPath(ep.path)).toHaveLength(2);
  });

  it('encrypts to the newest active key at creation time', async () => {
    const ep = await connectEndpoint(t, test, receiver, { subscribed_event_types: ['verification.session.cancelled'], kid: 'first-key' });
    const second = expectOk(
      await t
        .http()
        .post(`/v1/webhooks/endpoints/${ep.id}/keys`)
        .set(bearer(test))
        .send({ key_id: 'second-key', jwk: { ...ep.key!.jwk }, algorithm: 'RSA-OAEP-256', key_type: 'RSA' }),
    );
    // Two active keys: the newer one is used.
    expectOk(await t.http().post(`/v1/webhooks/keys/${ep.key!.id}/reactivate`).set(bearer(test)));
    const session = await createSession(t, test);
    expect((await t.http().post(`/v1/sessions/${session.id}/cancel`).set(bearer(test))).status).toBe(204);
    const request = await receiver.waitFor((rs) => rs.find((r) => r.path === ep.path), 'the delivery');
    expect(jweParts(request.rawBody).header.kid).toBe('second-key');
    const [d] = await listDeliveries(t, test, { endpoint_id: ep.id });
    expect(d.webhook_encryption_key_id).toBe(second.id);
    const payload = await openDelivery(t, request, [ep.secret], { 'second-key': ep.privateKeys['first-key'] });
    expect(payload.metadata.verification_session_id).toBe(session.id);
  });

  it('an endpoint disabled after the delivery was created: the attempt fails with endpoint_disabled and nothing is sent', async () => {
    const ep = await connectEndpoint(t, test, receiver, { subscribed_event_types: ['verification.session.cancelled'] });
    receiver.queueFor(ep.path, 500);
    const session = await createSession(t, test);
    expect((await t.http().post(`/v1/sessions/${session.id}/cancel`).set(bearer(test))).status).toBe(204);
    const event = await eventOf(t, test, 'verification.session.cancelled', session.id);
    const deliveryId = event.deliveries.find((d: Json) => d.webhook_endpoint_id === ep.id).id;
    await waitForDelivery(t, test, deliveryId, (d) => d.attempt_count === 1 && d.status === 'pending', 'the first 500 recorded');

    expectOk(await t.http().patch(`/v1/webhooks/endpoints/${ep.id}`).set(bearer(test)).send({ enabled: false }));
    await advanceAndDispatch(t, 5_000);
    const d = await waitForDelivery(t, test, deliveryId, (x) => x.attempt_count === 2, 'the second attempt');
    expect(d).toMatchObject({ status: 'pending', last_status_code: null, last_error: 'endpoint_disabled' });
    expect(Date.parse(d.next_attempt_at) - Date.parse(d.last_attempt_at)).toBeGreaterThanOrEqual(5 * 60_000);
    expect(receiver.forDelivery(deliveryId)).toHaveLength(1);

    // Enabled again, the third attempt goes out on schedule.
    expectOk(await t.http().patch(`/v1/webhooks/endpoints/${ep.id}`).set(bearer(test)).send({ enabled: true }));
    await dispatch(t);
    expect(receiver.forDelivery(deliveryId)).toHaveLength(1);
    await advanceAndDispatch(t, 5 * 60_000);
    const done = await waitForDelivery(t, test, deliveryId, (x) => x.status === 'succeeded', 'success');
    expect(done).toMatchObject({ attempt_count: 3, last_status_code: 200, last_error: null, next_attempt_at: null });
    expect(receiver.forDelivery(deliveryId)).toHaveLength(2);
  });
});
