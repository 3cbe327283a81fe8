import { createHmac } from 'node:crypto';
import { bearer, createTestApp, TEST_SERVER_SECRET, type CreatedKey, type TestApp } from './helpers/app.js';
import { createSession, drive } from './helpers/lifecycle.js';
import {
  clockOf,
  connectEndpoint,
  eventOf,
  openDelivery,
  startTestReceiver,
  type ConnectedEndpoint,
  type TestReceiver,
} from './helpers/receiver.js';
import { EVENT_TYPES, type Json } from './webhooks-api-helpers.js';

/** The ICAO specimen of §6.11, the test identity of §7.2, written out by hand. */
const SPECIMEN: Json = {
  date_of_birth: '1974-08-12',
  document_expiry_date: '2012-04-15',
  document_number: 'L898902C3',
  document_type_code: 'P',
  family_name: 'ERIKSSON',
  given_names: 'ANNA MARIA',
  issuing_country_code: 'UTO',
  kayle_human_id: null,
  mrz_optional_data: 'ZE184226B',
  nationality_code: 'UTO',
  sex_marker: 'F',
};

/** Full years between 1974-08-12 and `today` (UTC). */
function specimenAge(today: Date): number {
  const beforeBirthday = today.getUTCMonth() + 1 < 8 || (today.getUTCMonth() + 1 === 8 && today.getUTCDate() < 12);
  return today.getUTCFullYear() - 1974 - (beforeBirthday ? 1 : 0);
}

/** Width and height from a baseline or progressive JPEG's SOF segment. */
function jpegSize(jpeg: Buffer): { width: number; height: number } {
  expect(jpeg.subarray(0, 2).toString('hex')).toBe('ffd8');
  for (let i = 2; i + 9 < jpeg.length; ) {
    if (jpeg[i] !== 0xff) throw new Error(`bad JPEG marker at ${i}`);
    const marker = jpeg[i + 1];
    const length = jpeg.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc2) return { height: jpeg.readUInt16BE(i + 5), width: jpeg.readUInt16BE(i + 7) };
    i += 2 + length;
  }
  throw new Error('no SOF segment');
}

/**
 * Each of the six event types (§5.1), driven through the API and the test helpers (§7.3),
 * arrives at a real receiver as the exact §5.11 payload once decrypted.
 */
describe('Webhook delivery payloads (§5.11)', () => {
  let t: TestApp;
  let receiver: TestReceiver;
  let orgId: string;
  let test: CreatedKey;
  let ep: ConnectedEndpoint;

  beforeAll(async () => {
    receiver = await startTestReceiver();
    t = await createTestApp({ WEBHOOK_DISPATCH_INTERVAL_MS: '0' });
    ({ orgId, test } = await t.tenant());
    ep = await connectEndpoint(t, test, receiver, { subscribed_event_types: EVENT_TYPES });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const kayleDocumentId = () =>
    createHmac('sha256', TEST_SERVER_SECRET).update(`${orgId}|UTO|P|L898902C3`).digest('hex');

  /** The decrypted payload of `type` triggered by `triggerId`, checked against the headers and the event. */
  async function received(type: string, triggerId: string): Promise<{ payload: Json; event: Json }> {
    const event = await eventOf(t, test, type, triggerId);
    expect(event.livemode).toBe(false);
    const delivery = event.deliveries.find((d: Json) => d.webhook_endpoint_id === ep.id);
    expect(delivery).toBeDefined();
    const request = await receiver.waitFor((rs) => rs.find((r) => r.deliveryId === delivery.id), `${type} delivery`);
    expect(request.path).toBe(ep.path);
    expect(request.headers['content-type']).toBe('application/jose');
    expect(request.headers['x-kayle-event']).toBe(type);
    const payload = (await openDelivery(t, request, [ep.secret], ep.privateKeys)) as Json;
    expect(Object.keys(payload).sort()).toEqual(['data', 'metadata', 'type']);
    return { payload, event };
  }

  const metadata = (eventId: string, sessionId: string, attemptId?: string): Json => ({
    contract_version: 1,
    event_id: eventId,
    livemode: false,
    ...(attemptId ? { verification_attempt_id: attemptId } : {}),
    verification_session_id: sessionId,
  });

  it('verification.session.succeeded and verification.attempt.succeeded carry exactly the selected claims', async () => {
    const session = await createSession(t, test, {
      share_fields: {
        age_over_060: { required: true, reason: 'Senior discount.' },
        family_name: { required: true, reason: 'Name on the contract.' },
        given_names: { required: false, reason: 'Name on the contract.' },
        document_photo: { required: false, reason: 'Photo for the badge.' },
        nationality_code: { required: false, reason: 'Shipping restrictions.' },
      },
    });
    const done = await drive(t, test, session.id, 'succeed', {
      selected_field_keys: ['family_name', 'kayle_document_id', 'document_photo', 'age_over_060'],
    });
    expect(done.status).toBe('succeeded');
    const attemptId = done.attempts![0].id;

    const sessionEvent = await received('verification.session.succeeded', session.id);
    const attemptEvent = await received('verification.attempt.succeeded', attemptId);
    for (const { payload, event } of [sessionEvent, attemptEvent]) {
      const photo = payload.data.claims.document_photo;
      expect(Object.keys(photo).sort()).toEqual(['dataBase64', 'format', 'height', 'width']);
      const size = jpegSize(Buffer.from(photo.dataBase64, 'base64'));
      expect(payload).toStrictEqual({
        type: event.type,
        data: {
          claims: {
            age_over_060: specimenAge(clockOf(t).now()) >= 60,
            document_photo: { dataBase64: photo.dataBase64, format: 'jpeg', height: size.height, width: size.width },
            family_name: 'ERIKSSON',
            kayle_document_id: kayleDocumentId(),
          },
          selected_field_keys: ['age_over_060', 'document_photo', 'family_name', 'kayle_document_id'],
        },
        metadata: metadata(event.id, session.id, attemptId),
      });
    }
    expect(attemptEvent.event.trigger_id).toBe(attemptId);
  });

  it('a session with the default share_fields delivers all thirteen claims of the test identity', async () => {
    const session = await createSession(t, test);
    const done = await drive(t, test, session.id, 'succeed');
    const { payload, event } = await received('verification.session.succeeded', session.id);
    const photo = payload.data.claims.document_photo;
    const keys = [...Object.keys(SPECIMEN), 'document_photo', 'kayle_document_id'].sort();
    expect(payload).toStrictEqual({
      type: 'verification.session.succeeded',
      data: {
        claims: { ...SPECIMEN, document_photo: { ...photo, format: 'jpeg' }, kayle_document_id: kayleDocumentId() },
        selected_field_keys: keys,
      },
      metadata: metadata(event.id, session.id, done.attempts![0].id),
    });
    expect(keys).toHaveLength(13);
    expect(Object.keys(payload.data.claims).sort()).toEqual(keys);
    expect(payload.data.claims.kayle_document_id).toMatch(/^[0-9a-f]{64}$/);
  });

  it('an age gate is computed from 1974-08-12 on the app date; unselected optional claims are absent', async () => {
    const session = await createSession(t, test, {
      share_fields: { age_over_18: { required: true, reason: 'Adults only.' }, sex_marker: { required: false, reason: 'Stats.' } },
    });
    const done = await drive(t, test, session.id, 'succeed', { selected_field_keys: ['age_over_18', 'kayle_document_id'] });
    const { payload, event } = await received('verification.session.succeeded', session.id);
    expect(payload).toStrictEqual({
      type: 'verification.session.succeeded',
      data: { claims: { age_over_18: specimenAge(clockOf(t).now()) >= 18, kayle_document_id: kayleDocumentId() }, selected_field_keys: ['age_over_18', 'kayle_document_id'] },
      metadata: metadata(event.id, session.id, done.attempts![0].id),
    });
  });

  it('verification.attempt.failed per attempt, and verification.session.failed with the last code and failed_attempts 3', async () => {
    const session = await createSession(t, test);
    const codes = ['selfie_face_mismatch', 'liveness_failed', 'document_data_invalid'];
    let last: Json = {};
    for (const code of codes) last = await drive(t, test, session.id, 'fail', { failure_code: code });
    expect(last.status).toBe('failed');
    const attempts = last.attempts as Json[];
    expect(attempts.map((a) => a.failure_code)).toEqual(codes);

    for (const [i, attempt] of attempts.entries()) {
      const { payload, event } = await received('verification.attempt.failed', attempt.id);
      expect(payload).toStrictEqual({
        type: 'verification.attempt.failed',
        data: { failure_code: codes[i] },
        metadata: metadata(event.id, session.id, attempt.id),
      });
    }
    const { payload, event } = await received('verification.session.failed', session.id);
    expect(payload).toStrictEqual({
      type: 'verification.session.failed',
      data: { failure_code: 'document_data_invalid', failed_attempts: 3 },
      metadata: metadata(event.id, session.id, attempts[2].id),
    });
  });

  it('the default failure code is document_authenticity_failed', async () => {
    const session = await createSession(t, test);
    let last: Json = {};
    for (let i = 0; i < 3; i++) last = await drive(t, test, session.id, 'fail');
    const { payload, event } = await received('verification.session.failed', session.id);
    expect(payload).toStrictEqual({
      type: 'verification.session.failed',
      data: { failure_code: 'document_authenticity_failed', failed_attempts: 3 },
      metadata: metadata(event.id, session.id, last.attempts[2].id),
    });
  });

  it('verification.session.cancelled: empty data, no attempt id', async () => {
    const session = await createSession(t, test);
    expect((await t.http().post(`/v1/sessions/${session.id}/cancel`).set(bearer(test))).status).toBe(204);
    const { payload, event } = await received('verification.session.cancelled', session.id);
    expect(payload).toStrictEqual({ type: 'verification.session.cancelled', data: {}, metadata: metadata(event.id, session.id) });
  });

  it('verification.session.cancelled after a failed attempt still has no attempt id', async () => {
    const session = await createSession(t, test);
    await drive(t, test, session.id, 'fail');
    expect((await t.http().post(`/v1/sessions/${session.id}/cancel`).set(bearer(test))).status).toBe(204);
    const { payload, event } = await received('verification.session.cancelled', session.id);
    expect(payload).toStrictEqual({ type: 'verification.session.cancelled', data: {}, metadata: metadata(event.id, session.id) });
  });

  it('verification.session.expired through the test helper: empty data, no attempt id', async () => {
    const session = await createSession(t, test);
    await drive(t, test, session.id, 'expire');
    const { payload, event } = await received('verification.session.expired', session.id);
    expect(payload).toStrictEqual({ type: 'verification.session.expired', data: {}, metadata: metadata(event.id, session.id) });
  });

  // Last: moves the app's clock.
  it('verification.session.expired through lazy expiry once the clock passes expires_at', async () => {
    const session = await createSession(t, test, { expires_in: 300 });
    clockOf(t).advance(301_000);
    const res = await t.http().get(`/v1/sessions/${session.id}`).set(bearer(test));
    expect(res.body.data.status).toBe('expired');
    const { payload, event } = await received('verification.session.expired', session.id);
    expect(payload).toStrictEqual({ type: 'verification.session.expired', data: {}, metadata: metadata(event.id, session.id) });
  });
});
