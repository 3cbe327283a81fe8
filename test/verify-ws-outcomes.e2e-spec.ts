import { createHmac, createPrivateKey } from 'node:crypto';
import { decryptKaylePayload, verifyKayleSignature, type KaylePayload } from '../dist/src/index.js';
import {
  buildLdsSecurityObject,
  buildSignedData,
  encodeDg1,
  generateTamperedVariants,
  OID_LDS_SECURITY_OBJECT,
  wrapSod,
  type PassportFixture,
  type TamperedVariantSet,
} from '../dist/src/emrtd/testing/index.js';
import { WebhookDispatcher } from '../dist/src/webhooks/dispatcher.service.js';
import { bearer, TEST_SERVER_SECRET } from './helpers/app.js';
import { startFaceMatcher, type FaceMatcher, type FaceMatcherMode } from './helpers/face-matcher.js';
import {
  closeOpenSockets,
  connectAndHello,
  expectClosed,
  expectRejected,
  handoffOf,
  openSocket,
  publicStatus,
  SELFIES,
  sendChip,
  sendSelfies,
  sessionWithAttempts,
  startAttempt,
  startLiveApp,
  terminalSessionFrame,
  walkToShareRequest,
  type ChipFiles,
  type CheckFailure,
  type LiveApp,
  type VerifySocket,
} from './helpers/ws.js';
import { eventually, rsaJwk, startReceiver, type Receiver } from './webhooks-api-helpers.js';

/**
 * How a live attempt ends (§6.7-6.11, §4.3-4.4, §5.11): the happy path down to the decrypted
 * webhook, each failure code with its verdict, and the three-failure budget. Real passive
 * authentication against a trust store holding the fixture CSCA, and a real face-match service
 * on 127.0.0.1 with FACE_MATCH_THRESHOLD, FACE_MATCH_SECRET and a 500 ms timeout.
 */

const FACE_MATCH_SECRET = 'face-matcher-shared-secret';
const reason = 'Record keeping.';
/** Two sessions (age gates and date_of_birth exclude each other) that together ask for every claim. */
const HAPPY_CASES: Array<{ name: string; shareFields: Record<string, { required: boolean; reason: string }>; declined: string[] }> = [
  {
    name: 'an age gate and the names, declining two optional claims',
    shareFields: {
      age_over_18: { required: true, reason: 'We only sell to adults.' },
      document_photo: { required: false, reason: 'Shown at pickup.' },
      document_type_code: { required: false, reason },
      family_name: { required: true, reason: 'To address you.' },
      given_names: { required: false, reason: 'To address you.' },
      issuing_country_code: { required: false, reason },
      kayle_human_id: { required: false, reason },
      mrz_optional_data: { required: false, reason },
      nationality_code: { required: false, reason: 'Shipping restrictions.' },
      document_number: { required: false, reason },
      sex_marker: { required: false, reason: 'Sizing.' },
    },
    declined: ['document_number', 'nationality_code'],
  },
  {
    name: 'the birth date and document data, all selected',
    shareFields: {
      date_of_birth: { required: true, reason: 'Birthday offers.' },
      document_expiry_date: { required: false, reason },
      document_number: { required: false, reason },
      nationality_code: { required: false, reason: 'Shipping restrictions.' },
    },
    declined: [],
  },
];

let app: LiveApp;
let matcher: FaceMatcher;
let receiver: Receiver;
let signingSecret: string;
let privateJwk: Record<string, any>;
let fixtures: TamperedVariantSet;
let passport: PassportFixture;

beforeAll(async () => {
  fixtures = await generateTamperedVariants();
  passport = fixtures.valid;
  matcher = await startFaceMatcher('pass');
  receiver = await startReceiver(200);
  app = await startLiveApp({
    cscaPem: fixtures.csca.certPem,
    env: {
      FACE_MATCH_URL: matcher.url,
      FACE_MATCH_THRESHOLD: '0.8',
      FACE_MATCH_SECRET,
      FACE_MATCH_TIMEOUT_MS: '500',
    },
  });
  const endpoint = await app.t
    .http()
    .post('/v1/webhooks/endpoints')
    .set(bearer(app.live))
    .send({ url: receiver.url, subscribed_event_types: ['verification.session.succeeded', 'verification.session.failed'] });
  expect(endpoint.status).toBe(200);
  signingSecret = endpoint.body.data.signing_secret;
  const keys = rsaJwk();
  privateJwk = keys.privateJwk;
  const key = await app.t
    .http()
    .post(`/v1/webhooks/endpoints/${endpoint.body.data.endpoint.id}/keys`)
    .set(bearer(app.live))
    .send({ key_id: 'rsa-key-1', jwk: keys.publicJwk, algorithm: 'RSA-OAEP-256', key_type: 'RSA' });
  expect(key.status).toBe(200);
});
afterEach(async () => {
  matcher.mode = 'pass';
  await closeOpenSockets();
});
afterAll(async () => {
  await app.close();
  await matcher.close();
  await receiver.close();
});

/** The delivered, signed and decrypted payload of `type` for one session (§5.11, §5.12). */
async function deliveredPayload(type: string, sessionId: string): Promise<KaylePayload> {
  await app.t.app.get(WebhookDispatcher).runOnce();
  return eventually(async () => {
    for (const request of receiver.requests.filter((r) => r.headers['x-kayle-event'] === type)) {
      expect(verifyKayleSignature(request.headers['x-kayle-signature'] as string, request.body, [signingSecret])).toBe(true);
      const payload = await decryptKaylePayload(request.body, { 'rsa-key-1': privateJwk as any });
      if (payload.metadata.verification_session_id === sessionId) return payload;
    }
    return undefined;
  }, `${type} for ${sessionId}`);
}

/** A passport whose MRZ breaks a check digit, correctly hashed and signed by the fixture DSC. */
function signedWithMrz(base: PassportFixture, lines: [string, string]): ChipFiles {
  const dg1 = encodeDg1(lines);
  const eContent = buildLdsSecurityObject({ digest: base.digest, dataGroups: [{ number: 1, bytes: dg1 }, { number: 2, bytes: base.dg2 }] });
  const signer = { certificateDer: base.dscCertDer, privateKey: createPrivateKey(base.dscPrivateKey), algorithm: base.signer, digest: base.digest };
  return { dg1, dg2: base.dg2, sod: wrapSod(buildSignedData({ eContentType: OID_LDS_SECURITY_OBJECT, eContent, signer })) };
}

const variant = (name: string): ChipFiles => {
  const found = fixtures.variants.find((v) => v.name === name);
  if (!found) throw new Error(`no tampered variant ${name}`);
  return found;
};

/** The attempt as the business API shows it, and the session around it. */
async function attemptOutcome(sessionId: string, attemptId: string) {
  const session = await sessionWithAttempts(app, sessionId);
  const attempt = (session.attempts as Array<Record<string, any>>).find((a) => a.id === attemptId);
  return { session, attempt: attempt! };
}

describe('The happy path (§6.8-6.11, §5.11)', () => {
  it.each(HAPPY_CASES)('ends succeeded with exactly the selected claims, delivered signed and encrypted: $name', async ({ shareFields, declined }) => {
    const selected = [...Object.keys(shareFields), 'kayle_document_id'].filter((key) => !declined.includes(key)).sort();
    const { session, handoff } = await startAttempt(app, { share_fields: shareFields });
    const socket = await connectAndHello(handoff, 'ios-device-a');
    const before = matcher.requests.length;
    await walkToShareRequest(socket, passport);

    const request = matcher.requests[before];
    expect([...request.parts.keys()]).toEqual(['dg2', 'selfie_0', 'selfie_1', 'selfie_2', 'threshold']);
    expect(request.parts.get('dg2')).toEqual(Buffer.from(passport.portrait.bytes));
    SELFIES.forEach((selfie, i) => expect(request.parts.get(`selfie_${i}`)).toEqual(selfie));
    expect(request.parts.get('threshold')).toBe('0.8');
    expect(request.headers['x-kayle-face-matcher-auth']).toBe(FACE_MATCH_SECRET);

    expect(await socket.request({ type: 'share_selection', session_id: session.id, selected_field_keys: selected })).toEqual({
      type: 'share_ready',
      session_id: session.id,
      selected_field_keys: selected,
    });
    await socket.close();

    const { session: done, attempt } = await attemptOutcome(session.id, handoff.attempt_id);
    expect(done).toMatchObject({ status: 'succeeded', failure_code: null });
    expect(attempt).toMatchObject({ status: 'succeeded', failure_code: null });
    expect(attempt.risk_score).toBeCloseTo(0.08, 10);
    expect(attempt.completed_at).toEqual(done.completed_at);

    // §6.11's worked example: the ICAO specimen.
    const specimen: Record<string, unknown> = {
      age_over_18: true,
      date_of_birth: '1974-08-12',
      document_expiry_date: '2012-04-15',
      document_number: 'L898902C3',
      document_photo: { dataBase64: Buffer.from(passport.portrait.bytes).toString('base64'), format: 'jpeg', height: 32, width: 24 },
      document_type_code: 'P',
      family_name: 'ERIKSSON',
      given_names: 'ANNA MARIA',
      issuing_country_code: 'UTO',
      kayle_document_id: createHmac('sha256', TEST_SERVER_SECRET).update(`${app.orgId}|UTO|P|L898902C3`).digest('hex'),
      kayle_human_id: null,
      mrz_optional_data: 'ZE184226B',
      nationality_code: 'UTO',
      sex_marker: 'F',
    };
    const payload = await deliveredPayload('verification.session.succeeded', session.id);
    expect(payload).toEqual({
      type: 'verification.session.succeeded',
      data: { claims: Object.fromEntries(selected.map((key) => [key, specimen[key]])), selected_field_keys: selected },
      metadata: {
        contract_version: 1,
        event_id: expect.stringMatching(/^evt_[a-z0-9]{64}$/),
        livemode: true,
        verification_attempt_id: handoff.attempt_id,
        verification_session_id: session.id,
      },
    });
    expect(Object.keys(payload.data.claims as object)).toEqual(selected);
  });
});

describe('Failed attempts (§6.7, §6.8, §6.9)', () => {
  /** One attempt of a fresh session that fails with `code`: verdict, close, and the stored outcome. */
  async function expectFailedAttempt(run: (socket: VerifySocket) => Promise<Awaited<ReturnType<VerifySocket['next']>>>, code: CheckFailure, risk: number) {
    const { session, handoff } = await startAttempt(app);
    const socket = await connectAndHello(handoff);
    await expectRejected(socket, await run(socket), code, 2);

    const { session: after, attempt } = await attemptOutcome(session.id, handoff.attempt_id);
    expect(after).toMatchObject({ status: 'created', failure_code: null });
    expect(attempt).toMatchObject({ status: 'failed', failure_code: code, risk_score: risk });
    expect(attempt.completed_at).not.toBeNull();
    const status = await publicStatus(app.t, session.id);
    expect(status).toMatchObject({ status: 'created', attempts_remaining: 2, latest_attempt: { id: handoff.attempt_id, failure_code: code } });
    // The budget is not spent: a new handoff starts a new attempt.
    expect((await handoffOf(app.t, session.id)).attempt_id).not.toBe(handoff.attempt_id);
  }

  it.each([
    ['a DG1 byte flipped after signing', 'dg1-byte-flip'],
    ['a document signer under an untrusted CSCA', 'unknown-dsc'],
    ['a DSC signed by a key other than the trusted CSCA’s', 'dsc-signed-by-untrusted-csca'],
    ['a corrupt SOD signature', 'corrupt-signature'],
  ])('rejects %s with document_authenticity_failed, risk 1', async (_name, name) => {
    await expectFailedAttempt((socket) => sendChip(socket, variant(name)), 'document_authenticity_failed', 1);
  });

  it('rejects a correctly signed DG1 with a bad MRZ check digit with document_data_invalid, risk 1', async () => {
    const [line1, line2] = passport.mrz;
    const badLine2 = `${line2.slice(0, 9)}${(Number(line2[9]) + 1) % 10}${line2.slice(10)}`;
    await expectFailedAttempt((socket) => sendChip(socket, signedWithMrz(passport, [line1, badLine2])), 'document_data_invalid', 1);
  });

  it.each<[string, CheckFailure, number, FaceMatcherMode]>([
    ['a face score of 0.3 (passed: false)', 'selfie_face_mismatch', 0.7, 'mismatch'],
    ['livenessPassed: false', 'liveness_failed', 1, 'liveness_failed'],
    ['a reply that does not fit the schema', 'selfie_face_mismatch', 1, 'garbage'],
    ['no reply within FACE_MATCH_TIMEOUT_MS', 'selfie_face_mismatch', 1, 'timeout'],
    ['HTTP 500', 'selfie_face_mismatch', 1, 'http_500'],
  ])('rejects %s from the matcher with %s, risk %s', async (_name, code, risk, mode) => {
    matcher.mode = mode;
    await expectFailedAttempt(async (socket) => {
      expect(await sendChip(socket, passport)).toEqual({ type: 'ack', message: 'phase_ok' });
      return sendSelfies(socket);
    }, code, risk);
  });
});

describe('The attempts budget (§4.4)', () => {
  it('fails the session on the third failed attempt: retry not allowed, 0 remaining, verification.session.failed', async () => {
    const { session } = await startAttempt(app);
    const runs: Array<[(socket: VerifySocket) => Promise<Awaited<ReturnType<VerifySocket['next']>>>, CheckFailure]> = [
      [(socket) => sendChip(socket, variant('dg1-byte-flip')), 'document_authenticity_failed'],
      [
        async (socket) => {
          matcher.mode = 'mismatch';
          await sendChip(socket, passport);
          return sendSelfies(socket);
        },
        'selfie_face_mismatch',
      ],
      [
        async (socket) => {
          matcher.mode = 'liveness_failed';
          await sendChip(socket, passport);
          return sendSelfies(socket);
        },
        'liveness_failed',
      ],
    ];
    const attemptIds: string[] = [];
    for (const [i, [run, code]] of runs.entries()) {
      const handoff = await handoffOf(app.t, session.id);
      attemptIds.push(handoff.attempt_id);
      const socket = await connectAndHello(handoff);
      await expectRejected(socket, await run(socket), code, 2 - i);
    }

    const failed = await sessionWithAttempts(app, session.id);
    expect(failed).toMatchObject({ status: 'failed', failure_code: 'liveness_failed' });
    expect(failed.attempts.map((a: Record<string, any>) => [a.id, a.status, a.failure_code])).toEqual([
      [attemptIds[0], 'failed', 'document_authenticity_failed'],
      [attemptIds[1], 'failed', 'selfie_face_mismatch'],
      [attemptIds[2], 'failed', 'liveness_failed'],
    ]);
    expect(await publicStatus(app.t, session.id)).toMatchObject({ status: 'failed', is_terminal: true, attempts_remaining: 0 });
    expect((await app.t.http().post(`/v1/verify/session/${session.id}/handoff`)).status).toBe(410);
    // A failed session is refused with SESSION_EXPIRED (§6.12), saying that it failed.
    const refused = await openSocket(app.socketUrl(session.id));
    expect(await refused.next()).toEqual(terminalSessionFrame('failed'));
    await expectClosed(refused, 1000);

    const payload = await deliveredPayload('verification.session.failed', session.id);
    expect(payload).toEqual({
      type: 'verification.session.failed',
      data: { failure_code: 'liveness_failed', failed_attempts: 3 },
      metadata: {
        contract_version: 1,
        event_id: expect.stringMatching(/^evt_[a-z0-9]{64}$/),
        livemode: true,
        verification_attempt_id: attemptIds[2],
        verification_session_id: session.id,
      },
    });
  });
});
