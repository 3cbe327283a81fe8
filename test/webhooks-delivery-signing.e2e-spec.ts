import { createHmac } from 'node:crypto';
import { decryptKaylePayload, verifyKayleSignature } from '../dist/src/index.js';
import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';
import { createSession } from './helpers/lifecycle.js';
import {
  advanceAndDispatch,
  clockOf,
  connectEndpoint,
  eventOf,
  jweParts,
  parseSignature,
  startTestReceiver,
  type ConnectedEndpoint,
  type ReceivedRequest,
  type TestReceiver,
  waitForDelivery,
} from './helpers/receiver.js';
import { DELIVERY_ID, expectOk, type Json } from './webhooks-api-helpers.js';

const DAY_MS = 86_400_000;
const hmac = (secret: string, t: number, body: Buffer) =>
  createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${t}.`).update(body).digest('hex');

/**
 * The delivery request of §5.12 as a business receives it: a real HTTP receiver on
 * 127.0.0.1, events driven through the API (test key, test endpoints), and every check
 * done with the exported receiver helpers, at the app's clock.
 */
describe('Webhook delivery request, signature and encryption (§5.12, §5.7)', () => {
  let t: TestApp;
  let receiver: TestReceiver;
  let test: CreatedKey;

  beforeAll(async () => {
    receiver = await startTestReceiver();
    // No periodic dispatch: deliveries go out on the nudge after their commit, or on runOnce.
    t = await createTestApp({ WEBHOOK_DISPATCH_INTERVAL_MS: '0' });
    ({ test } = await t.tenant());
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const nowS = () => Math.floor(clockOf(t).now().getTime() / 1000);

  /** Cancels a fresh test session; returns the delivery of its event to `ep` and the request that carried it. */
  async function cancelledDelivery(ep: ConnectedEndpoint): Promise<{ event: Json; deliveryId: string; request: ReceivedRequest }> {
    const session = await createSession(t, test);
    expect((await t.http().post(`/v1/sessions/${session.id}/cancel`).set(bearer(test))).status).toBe(204);
    const event = await eventOf(t, test, 'verification.session.cancelled', session.id);
    const delivery = event.deliveries.find((d: Json) => d.webhook_endpoint_id === ep.id);
    expect(delivery).toBeDefined();
    const request = await receiver.waitFor((rs) => rs.find((r) => r.deliveryId === delivery.id), `delivery ${delivery.id}`);
    return { event, deliveryId: delivery.id, request };
  }

  const rotate = async (ep: ConnectedEndpoint, body?: Json) => {
    const req = t.http().post(`/v1/webhooks/endpoints/${ep.id}/signing-secret/rotate`).set(bearer(test));
    return expectOk(await (body ? req.send(body) : req)) as { endpoint_id: string; signing_secret: string; previous_secret_expires_at: string | null };
  };

  describe('one delivery', () => {
    let ep: ConnectedEndpoint;
    let event: Json;
    let deliveryId: string;
    let request: ReceivedRequest;

    beforeAll(async () => {
      ep = await connectEndpoint(t, test, receiver);
      ({ event, deliveryId, request } = await cancelledDelivery(ep));
    });

    it('is a POST to the endpoint URL with Content-Type application/jose, X-Kayle-Event and X-Kayle-Delivery-Id', () => {
      expect(request.method).toBe('POST');
      expect(request.path).toBe(ep.path);
      expect(request.headers['content-type']).toBe('application/jose');
      expect(request.headers['x-kayle-event']).toBe('verification.session.cancelled');
      expect(request.headers['x-kayle-delivery-id']).toBe(deliveryId);
      expect(deliveryId).toMatch(DELIVERY_ID);
      expect(Number(request.headers['content-length'])).toBe(request.rawBody.length);
    });

    it('carries t=<unix seconds>,v1=<hex> made with the signing secret over <t>.<raw body>', () => {
      const signature = parseSignature(request.signature);
      expect(signature.v1).toHaveLength(1);
      expect(Math.abs(nowS() - signature.t)).toBeLessThanOrEqual(5);
      expect(signature.v1[0]).toBe(hmac(ep.secret, signature.t, request.rawBody));
      expect(verifyKayleSignature(request.signature, request.rawBody, [ep.secret], nowS())).toBe(true);
      expect(verifyKayleSignature(request.signature, request.rawBody.toString('utf8'), [ep.secret], nowS())).toBe(true);
    });

    it('does not verify with another secret, an altered body, or outside the 300 s tolerance', () => {
      const other = `whsec_${'0'.repeat(32)}`;
      expect(verifyKayleSignature(request.signature, request.rawBody, [other], nowS())).toBe(false);
      const altered = Buffer.from(request.rawBody);
      altered[altered.length - 1] ^= 1;
      expect(verifyKayleSignature(request.signature, altered, [ep.secret], nowS())).toBe(false);
      const { t: ts } = parseSignature(request.signature);
      expect(verifyKayleSignature(request.signature, request.rawBody, [ep.secret], ts + 300)).toBe(true);
      expect(verifyKayleSignature(request.signature, request.rawBody, [ep.secret], ts + 301)).toBe(false);
      expect(verifyKayleSignature(request.signature, request.rawBody, [ep.secret], ts - 301)).toBe(false);
      expect(verifyKayleSignature(undefined, request.rawBody, [ep.secret], nowS())).toBe(false);
    });

    it('is a compact JWE whose protected header is exactly {"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"<key_id>"}', async () => {
      const { parts, headerJson } = jweParts(request.rawBody);
      expect(headerJson).toBe(JSON.stringify({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: ep.kid }));
      // RSA-2048 wraps the content key into 256 bytes; the GCM IV is 96 bits and the tag 128.
      expect(Buffer.from(parts[1], 'base64url')).toHaveLength(256);
      expect(Buffer.from(parts[2], 'base64url')).toHaveLength(12);
      expect(Buffer.from(parts[4], 'base64url')).toHaveLength(16);
      const payload = await decryptKaylePayload(request.rawBody, ep.privateKeys);
      expect(payload.type).toBe('verification.session.cancelled');
      expect(payload.metadata.event_id).toBe(event.id);
      // The delivery names the key it was encrypted to.
      const listed = expectOk(await t.http().get(`/v1/webhooks/events/${event.id}`).set(bearer(test)));
      expect(listed.deliveries.map((d: Json) => d.id)).toContain(deliveryId);
      const res = await t.http().get('/v1/webhooks/deliveries').query({ event_id: event.id }).set(bearer(test));
      expect(res.body.data[0].webhook_encryption_key_id).toBe(ep.key!.id);
    });

    it('is not decrypted with a key under another kid', async () => {
      await expect(decryptKaylePayload(request.rawBody, { 'rsa-other': ep.privateKeys[ep.kid] })).rejects.toThrow();
    });
  });

  describe('signing secret rotation (§5.7)', () => {
    it('signs with the new and the previous secret during the overlap: two v1 values, each secret validates', async () => {
      const ep = await connectEndpoint(t, test, receiver);
      const before = Date.now();
      const rotated = await rotate(ep);
      expect(rotated.endpoint_id).toBe(ep.id);
      expect(rotated.signing_secret).not.toBe(ep.secret);
      const expiresAt = Date.parse(rotated.previous_secret_expires_at!);
      expect(expiresAt - clockOf(t).now().getTime()).toBeGreaterThan(DAY_MS - (Date.now() - before) - 2_000);
      expect(expiresAt - clockOf(t).now().getTime()).toBeLessThanOrEqual(DAY_MS);

      const { request } = await cancelledDelivery(ep);
      const signature = parseSignature(request.signature);
      expect(request.signature).toBe(`t=${signature.t},v1=${signature.v1[0]},v1=${signature.v1[1]}`);
      expect(signature.v1).toEqual([hmac(rotated.signing_secret, signature.t, request.rawBody), hmac(ep.secret, signature.t, request.rawBody)]);
      expect(verifyKayleSignature(request.signature, request.rawBody, [rotated.signing_secret], nowS())).toBe(true);
      expect(verifyKayleSignature(request.signature, request.rawBody, [ep.secret], nowS())).toBe(true);
      expect(verifyKayleSignature(request.signature, request.rawBody, [`whsec_${'1'.repeat(32)}`], nowS())).toBe(false);
    });

    it('a second rotation drops the older previous secret at once', async () => {
      const ep = await connectEndpoint(t, test, receiver);
      const first = await rotate(ep);
      const second = await rotate(ep);
      const { request } = await cancelledDelivery(ep);
      const signature = parseSignature(request.signature);
      expect(signature.v1).toEqual([hmac(second.signing_secret, signature.t, request.rawBody), hmac(first.signing_secret, signature.t, request.rawBody)]);
      expect(verifyKayleSignature(request.signature, request.rawBody, [ep.secret], nowS())).toBe(false);
    });

    it('with previous_secret_expires_in 0 signs with the new secret only', async () => {
      const ep = await connectEndpoint(t, test, receiver);
      const rotated = await rotate(ep, { previous_secret_expires_in: 0 });
      expect(rotated.previous_secret_expires_at).toBeNull();
      const { request } = await cancelledDelivery(ep);
      const signature = parseSignature(request.signature);
      expect(signature.v1).toEqual([hmac(rotated.signing_secret, signature.t, request.rawBody)]);
      expect(verifyKayleSignature(request.signature, request.rawBody, [rotated.signing_secret], nowS())).toBe(true);
      expect(verifyKayleSignature(request.signature, request.rawBody, [ep.secret], nowS())).toBe(false);
    });

    it('reveal answers the current secret, which is the one that signs', async () => {
      const ep = await connectEndpoint(t, test, receiver);
      const rotated = await rotate(ep, { previous_secret_expires_in: 0 });
      const revealed = expectOk(await t.http().post(`/v1/webhooks/endpoints/${ep.id}/signing-secret/reveal`).set(bearer(test)));
      expect(revealed).toEqual({ endpoint_id: ep.id, signing_secret: rotated.signing_secret });
    });

    // Last in this file: it moves the app's clock by a day.
    it('once the clock passes previous_secret_expires_at, signs with the new secret only', async () => {
      const ep = await connectEndpoint(t, test, receiver);
      const rotated = await rotate(ep, { previous_secret_expires_in: 60 });
      const during = await cancelledDelivery(ep);
      expect(parseSignature(during.request.signature).v1).toHaveLength(2);
      clockOf(t).advance(61_000);
      const after = await cancelledDelivery(ep);
      const signature = parseSignature(after.request.signature);
      expect(Math.abs(nowS() - signature.t)).toBeLessThanOrEqual(5);
      expect(signature.v1).toEqual([hmac(rotated.signing_secret, signature.t, after.request.rawBody)]);
      expect(verifyKayleSignature(after.request.signature, after.request.rawBody, [ep.secret], nowS())).toBe(false);

      // The default 24 h overlap, past its end.
      const next = await rotate(ep);
      expect(parseSignature((await cancelledDelivery(ep)).request.signature).v1).toHaveLength(2);
      clockOf(t).advance(DAY_MS + 1_000);
      const late = await cancelledDelivery(ep);
      const lateSignature = parseSignature(late.request.signature);
      expect(lateSignature.v1).toEqual([hmac(next.signing_secret, lateSignature.t, late.request.rawBody)]);
      expect(verifyKayleSignature(late.request.signature, late.request.rawBody, [rotated.signing_secret], nowS())).toBe(false);
      expect(verifyKayleSignature(late.request.signature, late.request.rawBody, [next.signing_secret], nowS())).toBe(true);
    });
  });

  describe('the same body on every attempt (§5.12)', () => {
    it('sends identical body bytes on the scheduled retry, a retry and a replay; t and v1 are fresh each time', async () => {
      const ep = await connectEndpoint(t, test, receiver);
      receiver.queueFor(ep.path, 500);
      const { event, deliveryId, request: first } = await cancelledDelivery(ep);
      await waitForDelivery(t, test, deliveryId, (d) => d.status === 'pending' && d.attempt_count === 1, 'the first 500 recorded');
      expect(first.outcome).toBe(500);
      // The scheduled second attempt, 5 s later.
      await advanceAndDispatch(t, 5_000);
      await receiver.waitFor((rs) => rs.filter((r) => r.deliveryId === deliveryId).length >= 2, 'the second attempt');
      expect(expectOk(await t.http().post(`/v1/webhooks/deliveries/${deliveryId}/retry`).set(bearer(test)))).toMatchObject({ status: 'pending', attempt_count: 0 });
      await receiver.waitFor((rs) => rs.filter((r) => r.deliveryId === deliveryId).length >= 3, 'the retried attempt');
      expect((await t.http().post(`/v1/webhooks/events/${event.id}/replay`).set(bearer(test))).status).toBe(202);
      const all = await receiver.waitFor((rs) => {
        const mine = rs.filter((r) => r.deliveryId === deliveryId);
        return mine.length >= 4 && mine;
      }, 'the replayed attempt');
      expect(all).toHaveLength(4);
      for (const request of all) {
        expect(request.rawBody.equals(first.rawBody)).toBe(true);
        expect(request.headers['x-kayle-delivery-id']).toBe(deliveryId);
        expect(request.headers['x-kayle-event']).toBe('verification.session.cancelled');
        const signature = parseSignature(request.signature);
        expect(signature.v1).toEqual([hmac(ep.secret, signature.t, request.rawBody)]);
      }
      // The scheduled retry ran 5 s later on the app's clock, so its t moved with it.
      expect(parseSignature(all[1].signature).t - parseSignature(all[0].signature).t).toBeGreaterThanOrEqual(5);
    });
  });

  it('accepts the test vector of §5.12 with either secret and rejects it with neither', () => {
    const body =
      'eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIiwia2lkIjoicnNhLWtleS0xIn0.ZW5jcnlwdGVkLWtleQ.aXY.Y2lwaGVydGV4dA.dGFn';
    const header =
      't=1764180000,v1=a6a3a6f1f813dde42008dd32ea4c58234ee0a6ac9852c95c286f69542fdaffca,v1=546a893d0e5492bf228d39d184d957ccbb3b59ebd252ef7e3381b9a8b214f7b2';
    const current = 'whsec_abcdefghijklmnopqrstuvwxyz012345';
    const previous = 'whsec_zyxwvutsrqponmlkjihgfedcba543210';
    expect(jweParts(Buffer.from(body)).headerJson).toBe('{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"rsa-key-1"}');
    expect(verifyKayleSignature(header, body, [current], 1764180000)).toBe(true);
    expect(verifyKayleSignature(header, body, [previous], 1764180000)).toBe(true);
    expect(verifyKayleSignature(header, Buffer.from(body), [current, previous], 1764180300)).toBe(true);
    expect(verifyKayleSignature(header, body, ['whsec_nope'], 1764180000)).toBe(false);
    expect(verifyKayleSignature(header, body, [current], 1764180301)).toBe(false);
  });
});
