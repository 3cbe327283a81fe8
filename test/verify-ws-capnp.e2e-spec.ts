import { Message } from 'capnp-es';
import { ClientMessage, DataKind } from '../dist/src/verify/mobile/codec/schema/verify.js';
import { runVerification, VerifySocket, type ServerFrame } from '../dist/src/verify/client/index.js';
import { generatePassportFixture, type PassportFixture } from '../dist/src/emrtd/testing/index.js';
import { startFaceMatcher, type FaceMatcher } from './helpers/face-matcher.js';
import { clock, expectPublicError, handoff as postHandoff } from './helpers/verify.js';
import {
  ACCEPTED_VERDICT,
  closeOpenSockets,
  expectClosed,
  expectRejected,
  helloFrame,
  openSocket,
  publicStatus,
  SELFIES,
  sessionWithAttempts,
  startAttempt,
  startLiveApp,
  TO_NFC_READING,
  rejectedVerdict,
  WS_MESSAGES,
  type HandoffData,
  type LiveApp,
  type WsCode,
} from './helpers/ws.js';

/**
 * The Kayle iOS app's wire format (§6.5a) over a real WebSocket: binary Cap'n Proto frames, the
 * behaviours of upstream's apps/api/tests/verify.test.ts re-expressed against Passline, a full live
 * verification with the reference client on the binary codec, and mixing codecs on one socket.
 * Replies are decoded with capnp-es into the JSON frames' shape by the reference client.
 */

const SHARE_FIELDS = {
  age_over_18: { required: true, reason: 'We only sell to adults.' },
  family_name: { required: false, reason: 'To address you.' },
};

let app: LiveApp;
let matcher: FaceMatcher;
let passport: PassportFixture;
const binarySockets = new Set<VerifySocket>();

beforeAll(async () => {
  passport = await generatePassportFixture();
  matcher = await startFaceMatcher('pass');
  app = await startLiveApp({ cscaPem: passport.cscaCertPem, env: { FACE_MATCH_URL: matcher.url } });
});
afterEach(async () => {
  await Promise.all([...binarySockets].map((socket) => socket.close()));
  binarySockets.clear();
  await closeOpenSockets();
});
afterAll(async () => {
  await app.close();
  await matcher.close();
});

async function binarySocket(handoff: HandoffData): Promise<VerifySocket> {
  const socket = await VerifySocket.open(handoff.websocket_url, { codec: 'capnp' });
  binarySockets.add(socket);
  return socket;
}

/** An upstream error frame: the §6.12 text, or upstream's own wording where it differs. */
const upstreamError = (code: WsCode, message: string = WS_MESSAGES[code]) => ({ type: 'error', code, message });

async function ack(socket: VerifySocket, frame: object, message: string): Promise<void> {
  expect(await socket.request(frame)).toEqual({ type: 'ack', message });
}

async function helloed(deviceId = 'ios-device-a'): Promise<{ sessionId: string; handoff: HandoffData; socket: VerifySocket }> {
  const { session, handoff } = await startAttempt(app, { share_fields: SHARE_FIELDS });
  const socket = await binarySocket(handoff);
  await ack(socket, helloFrame(handoff, deviceId), 'hello_ok');
  return { sessionId: session.id, handoff, socket };
}

async function phases(socket: VerifySocket, list: string[]): Promise<void> {
  for (const phase of list) await ack(socket, { type: 'phase', phase }, 'phase_ok');
}

const data = (kind: string, bytes: Uint8Array, fields: Record<string, number> = {}) => ({
  type: 'data',
  kind,
  index: 0,
  total: 1,
  chunk_index: 0,
  chunk_total: 1,
  raw: Buffer.from(bytes).toString('base64'),
  ...fields,
});

async function uploadChip(socket: VerifySocket, chip: { dg1: Uint8Array; dg2: Uint8Array; sod: Uint8Array }): Promise<void> {
  await ack(socket, data('dg1', chip.dg1), 'data_ok_0_0');
  await ack(socket, data('dg2', chip.dg2), 'data_ok_1_0');
  await ack(socket, data('sod', chip.sod), 'data_ok_2_0');
}

/** The NFC_REQUIRED_DATA_MISSING message upstream sends: its details as JSON text. */
const missingChip = (missing: string[], chunks: object[] = []) =>
  upstreamError('NFC_REQUIRED_DATA_MISSING', JSON.stringify({ missing_artifacts: missing, missing_chunks: chunks }));

describe('hello (§6.6) on binary frames', () => {
  it('acks an authenticated hello and the session goes in_progress', async () => {
    const { sessionId } = await helloed();
    const status = await publicStatus(app.t, sessionId);
    expect([status.status, status.latest_attempt.phase]).toEqual(['in_progress', 'mobile_connected']);
  });

  it('refuses an unknown attempt with ATTEMPT_NOT_FOUND and closes 1008', async () => {
    const { handoff } = await startAttempt(app);
    const socket = await binarySocket(handoff);
    expect(await socket.request(helloFrame({ ...handoff, attempt_id: `va_${'0'.repeat(64)}` }))).toEqual(upstreamError('ATTEMPT_NOT_FOUND'));
    await expectClosed(socket, 1008, 'ATTEMPT_NOT_FOUND');
  });

  it('refuses an unused token past its expiry with HANDOFF_TOKEN_EXPIRED', async () => {
    const { handoff } = await startAttempt(app);
    clock(app.t).advance(301_000);
    try {
      const socket = await binarySocket(handoff);
      expect(await socket.request(helloFrame(handoff))).toEqual(upstreamError('HANDOFF_TOKEN_EXPIRED'));
      await expectClosed(socket, 1008, 'HANDOFF_TOKEN_EXPIRED');
    } finally {
      clock(app.t).advance(-301_000);
    }
  });

  it('refuses a second socket for the same attempt with ATTEMPT_CONNECTION_ACTIVE', async () => {
    const { handoff, socket } = await helloed();
    const second = await binarySocket(handoff);
    expect(await second.request(helloFrame(handoff, 'ios-device-a'))).toEqual(upstreamError('ATTEMPT_CONNECTION_ACTIVE'));
    await expectClosed(second, 1008, 'ATTEMPT_CONNECTION_ACTIVE');
    await phases(socket, ['mrz_scanning']);
  });

  it('resumes on the same device, refuses another one with HANDOFF_DEVICE_MISMATCH', async () => {
    const { handoff, socket } = await helloed('ios-device-a');
    await socket.close();
    const other = await binarySocket(handoff);
    expect(await other.request(helloFrame(handoff, 'ios-device-b'))).toEqual(upstreamError('HANDOFF_DEVICE_MISMATCH'));
    await expectClosed(other, 1008, 'HANDOFF_DEVICE_MISMATCH');
    const same = await binarySocket(handoff);
    await ack(same, helloFrame(handoff, 'ios-device-a'), 'hello_ok');
  });

  it('answers messages before hello with HELLO_REQUIRED and keeps the socket open', async () => {
    const { handoff } = await startAttempt(app);
    const socket = await binarySocket(handoff);
    expect(await socket.request({ type: 'phase', phase: 'mrz_scanning' })).toEqual(upstreamError('HELLO_REQUIRED'));
    expect(await socket.request(data('dg1', Buffer.from([1])))).toEqual(upstreamError('HELLO_REQUIRED'));
    await ack(socket, helloFrame(handoff), 'hello_ok');
  });

  it('blocks a new handoff once hello has succeeded (409 SESSION_IN_PROGRESS)', async () => {
    const { sessionId } = await helloed();
    expectPublicError(await postHandoff(app.t, sessionId), 409, 'SESSION_IN_PROGRESS');
  });
});

describe('phases and uploads (§6.7) on binary frames', () => {
  it('accepts ordered MRZ phases, persists them, and acks repeats idempotently', async () => {
    const { sessionId, socket } = await helloed();
    await phases(socket, ['mrz_scanning', 'mrz_scanning', 'mrz_complete', 'mrz_complete']);
    expect((await publicStatus(app.t, sessionId)).latest_attempt.phase).toBe('mrz_complete');
    expect(await socket.request({ type: 'phase', phase: 'selfie_capturing' })).toEqual(upstreamError('PHASE_OUT_OF_ORDER'));
  });

  it('refuses chip data before nfc_reading and selfies before selfie_capturing', async () => {
    const { socket } = await helloed();
    expect(await socket.request(data('dg1', Buffer.from([1, 2, 3])))).toEqual(upstreamError('NFC_DATA_PHASE_REQUIRED'));
    expect(await socket.request(data('selfie', Buffer.from([1]), { total: 3 }))).toEqual(upstreamError('SELFIE_DATA_PHASE_REQUIRED'));
  });

  it('takes DG2 chunks out of order, acking with DataKind ordinals, data_ok on completion', async () => {
    const { socket } = await helloed();
    await phases(socket, TO_NFC_READING);
    await ack(socket, data('dg2', Buffer.from([2, 2]), { chunk_index: 1, chunk_total: 2 }), 'data_chunk_ok_1_0_1');
    expect(await socket.request({ type: 'phase', phase: 'nfc_complete' })).toEqual(
      missingChip(['dg1', 'dg2', 'sod'], [{ kind: 1, index: 0, chunk_total: 2, missing_chunk_indices: [0] }]),
    );
    await ack(socket, data('dg2', Buffer.from([1, 1]), { chunk_index: 0, chunk_total: 2 }), 'data_ok_1_0');
    expect(await socket.request({ type: 'phase', phase: 'nfc_complete' })).toEqual(missingChip(['dg1', 'sod']));
  });

  it('puts a chunk retry into the message as upstream does', async () => {
    const { socket } = await helloed();
    await phases(socket, TO_NFC_READING);
    expect(await socket.request(data('sod', Buffer.from([1]), { index: 1, total: 2 }))).toEqual(
      upstreamError('DATA_CHUNK_RETRY', '{"kind":2,"index":1,"chunkIndex":0,"reason":"invalid_index_or_total"}'),
    );
  });

  it('refuses nfc_complete until DG1, DG2 and SOD are in, then runs the chip checks', async () => {
    const { sessionId, socket } = await helloed();
    await phases(socket, TO_NFC_READING);
    expect(await socket.request({ type: 'phase', phase: 'nfc_complete' })).toEqual(missingChip(['dg1', 'dg2', 'sod']));
    await uploadChip(socket, passport);
    await ack(socket, { type: 'phase', phase: 'nfc_complete' }, 'phase_ok');
    expect((await publicStatus(app.t, sessionId)).latest_attempt.phase).toBe('nfc_complete');
  });

  it('asks for the chip data again after a reconnect', async () => {
    const { handoff, socket } = await helloed();
    await phases(socket, TO_NFC_READING);
    await ack(socket, data('dg1', Buffer.from([9])), 'data_ok_0_0');
    await socket.close();
    const again = await binarySocket(handoff);
    await ack(again, helloFrame(handoff, 'ios-device-a'), 'hello_ok');
    expect(await again.request({ type: 'phase', phase: 'nfc_complete' })).toEqual(missingChip(['dg1', 'dg2', 'sod']));
  });

  it('sends a rejected verdict and closes 1008 when the chip checks fail', async () => {
    const { socket } = await helloed();
    await phases(socket, TO_NFC_READING);
    const dg1 = Buffer.from(passport.dg1);
    dg1[dg1.length - 1] ^= 0x01; // no longer the hash the SOD signed
    await uploadChip(socket, { ...passport, dg1 });
    await expectRejected(socket, await socket.request({ type: 'phase', phase: 'nfc_complete' }), 'document_authenticity_failed', 2);
  });
});

describe('selfies and the share selection (§6.8, §6.10) on binary frames', () => {
  it('sends the verdict and a label-less share request, keeps the socket open on a bad selection', async () => {
    const { sessionId, socket } = await helloed();
    await phases(socket, TO_NFC_READING);
    await uploadChip(socket, passport);
    await phases(socket, ['nfc_complete', 'selfie_capturing']);
    expect(await socket.request({ type: 'phase', phase: 'selfie_complete' })).toEqual(
      upstreamError('SELFIE_REQUIRED_DATA_MISSING', '{"required_total":3,"missing_selfie_indexes":[0,1,2],"missing_chunks":[]}'),
    );
    await ack(socket, data('selfie', SELFIES[1], { index: 1, total: 3, chunk_index: 1, chunk_total: 2 }), 'data_chunk_ok_3_1_1');
    await ack(socket, data('selfie', SELFIES[1], { index: 1, total: 3, chunk_index: 0, chunk_total: 2 }), 'data_ok_3_1');
    await ack(socket, data('selfie', SELFIES[0], { index: 0, total: 3 }), 'data_ok_3_0');
    await ack(socket, data('selfie', SELFIES[2], { index: 2, total: 3 }), 'data_ok_3_2');
    expect(await socket.request({ type: 'phase', phase: 'selfie_complete' })).toEqual(ACCEPTED_VERDICT);
    expect(await socket.next()).toEqual({
      type: 'share_request',
      contract_version: 1,
      session_id: sessionId,
      fields: [
        { key: 'age_over_18', reason: 'We only sell to adults.', required: true },
        { key: 'family_name', reason: 'To address you.', required: false },
        { key: 'kayle_document_id', reason: 'Sharing "Kayle Document ID"', required: true },
      ],
    });
    const selection = (keys: string[]) => ({ type: 'share_selection', session_id: sessionId, selected_field_keys: keys });
    expect(await socket.request(selection(['nationality_code']))).toEqual(upstreamError('SHARE_SELECTION_INVALID_FIELD'));
    expect(await socket.request(selection(['family_name']))).toEqual(upstreamError('SHARE_SELECTION_MISSING_REQUIRED'));
    const ready = { type: 'share_ready', session_id: sessionId, selected_field_keys: ['age_over_18', 'family_name', 'kayle_document_id'] };
    expect(await socket.request(selection(['kayle_document_id', 'family_name', 'age_over_18']))).toEqual(ready);
    expect((await sessionWithAttempts(app, sessionId)).status).toBe('succeeded');
  });

  it('the reference client completes a live verification on the binary codec', async () => {
    const { session } = await startAttempt(app, { share_fields: SHARE_FIELDS });
    const steps: string[] = [];
    const outcome = await runVerification({
      verificationUrl: session.verification_url,
      chip: passport,
      selfies: SELFIES,
      deviceId: 'ios-device-a',
      appVersion: '1.0.0',
      codec: 'capnp',
      onStep: (line) => steps.push(line),
    });
    expect(outcome).toEqual({ ok: true, result: { type: 'share_ready', session_id: session.id, selected_field_keys: ['age_over_18', 'family_name', 'kayle_document_id'] } });
    expect(steps).toContain(`connect: ${app.socketUrl(session.id)} (Cap'n Proto frames)`);
    expect(steps).toContain('phase nfc_complete: chip checks passed');
    const stored = await sessionWithAttempts(app, session.id);
    expect(stored.status).toBe('succeeded');
    expect(stored.attempts.map((a: { status: string }) => a.status)).toEqual(['succeeded']);
    expect((await publicStatus(app.t, session.id)).is_terminal).toBe(true);
  });
});

/** From hello to `selfie_complete` sent on a binary socket; returns its reply. */
async function walkToSelfieVerdict(socket: VerifySocket): Promise<ServerFrame> {
  await phases(socket, TO_NFC_READING);
  await uploadChip(socket, passport);
  await phases(socket, ['nfc_complete', 'selfie_capturing']);
  for (const [index, selfie] of SELFIES.entries()) await ack(socket, data('selfie', selfie, { index, total: 3 }), `data_ok_3_${index}`);
  return socket.request({ type: 'phase', phase: 'selfie_complete' });
}

describe('verdicts (§6.9) on binary frames', () => {
  afterEach(() => {
    matcher.mode = 'pass';
  });

  it('rejects a face mismatch and keeps the session retryable with a new attempt', async () => {
    matcher.mode = 'mismatch';
    const { sessionId, handoff, socket } = await helloed();
    expect(await walkToSelfieVerdict(socket)).toEqual(rejectedVerdict('selfie_face_mismatch', 2));
    await expectClosed(socket, 1008, 'selfie_face_mismatch');
    const stored = await sessionWithAttempts(app, sessionId);
    expect(stored.status).toBe('created');
    expect(stored.attempts[0]).toMatchObject({ status: 'failed', failure_code: 'selfie_face_mismatch' });
    expect(stored.attempts[0].risk_score).toBeCloseTo(0.7, 10);

    matcher.mode = 'pass';
    const retry = (await postHandoff(app.t, sessionId)).body.data as HandoffData;
    expect(retry.attempt_id).not.toBe(handoff.attempt_id);
    const again = await binarySocket(retry);
    await ack(again, helloFrame(retry, 'ios-device-a'), 'hello_ok');
    expect(await walkToSelfieVerdict(again)).toEqual(ACCEPTED_VERDICT);
  });

  it('rejects selfie_complete when no similarity can be computed (matcher down)', async () => {
    matcher.mode = 'http_500';
    const { sessionId, socket } = await helloed();
    expect(await walkToSelfieVerdict(socket)).toEqual(rejectedVerdict('selfie_face_mismatch', 2));
    await expectClosed(socket, 1008, 'selfie_face_mismatch');
    expect((await sessionWithAttempts(app, sessionId)).attempts[0]).toMatchObject({ failure_code: 'selfie_face_mismatch', risk_score: 1 });
  });

  it('fails the session at the third failed attempt and then refuses a handoff (410)', async () => {
    matcher.mode = 'mismatch';
    const { sessionId, socket } = await helloed();
    let current = socket;
    for (const remaining of [2, 1, 0]) {
      expect(await walkToSelfieVerdict(current)).toEqual(rejectedVerdict('selfie_face_mismatch', remaining));
      await expectClosed(current, 1008, 'selfie_face_mismatch');
      if (remaining === 0) break;
      const next = (await postHandoff(app.t, sessionId)).body.data as HandoffData;
      current = await binarySocket(next);
      await ack(current, helloFrame(next, 'ios-device-a'), 'hello_ok');
    }
    expect((await sessionWithAttempts(app, sessionId)).status).toBe('failed');
    expectPublicError(await postHandoff(app.t, sessionId), 410, 'SESSION_EXPIRED');
  });

  it('marks the attempt and session succeeded with the risk score after the share selection', async () => {
    const { sessionId, socket } = await helloed();
    expect(await walkToSelfieVerdict(socket)).toEqual(ACCEPTED_VERDICT);
    expect((await socket.next()).type).toBe('share_request');
    const keys = ['age_over_18', 'kayle_document_id'];
    expect(await socket.request({ type: 'share_selection', session_id: sessionId, selected_field_keys: keys })).toEqual({
      type: 'share_ready',
      session_id: sessionId,
      selected_field_keys: keys,
    });
    const stored = await sessionWithAttempts(app, sessionId);
    expect([stored.status, stored.attempts[0].status, stored.attempts[0].failure_code]).toEqual(['succeeded', 'succeeded', null]);
    expect(stored.attempts[0].risk_score).toBeCloseTo(0.08, 10);
  });
});

describe('framing (§6.5a)', () => {
  it('answers bytes that are not a ClientMessage with DECODE_FAILED, socket open', async () => {
    const { socket } = await helloed();
    for (const garbage of [Buffer.from([1, 2, 3]), Buffer.from('{"type":"phase","phase":"mrz_scanning"}'), Buffer.alloc(64, 0xff)]) {
      socket.sendRaw(garbage, { binary: true });
      expect(await socket.next()).toEqual(upstreamError('DECODE_FAILED', 'Failed to decode protobuf message.'));
    }
    await phases(socket, ['mrz_scanning']);
  });

  it('reads a frame built by capnp-es the way upstream builds it (a DataKind enum and copyBuffer)', async () => {
    const { socket } = await helloed();
    await phases(socket, TO_NFC_READING);
    const message = new Message();
    const payload = message.initRoot(ClientMessage)._initData();
    payload.kind = DataKind.SOD;
    payload._initRaw(3).copyBuffer(new Uint8Array([7, 7, 7]));
    payload.total = 1;
    payload.chunkTotal = 1;
    socket.sendRaw(Buffer.from(message.toArrayBuffer()), { binary: true });
    expect(await socket.next()).toEqual({ type: 'ack', message: 'data_ok_2_0' });
  });

  it('mixing codecs: a text frame on a binary connection, and a binary frame on a JSON one, are INVALID_MESSAGE', async () => {
    const { socket } = await helloed();
    socket.sendRaw(JSON.stringify({ type: 'phase', phase: 'mrz_scanning' }));
    expect(await socket.next()).toEqual(upstreamError('INVALID_MESSAGE', 'Binary protobuf messages are required.'));
    await phases(socket, ['mrz_scanning']);

    const { handoff } = await startAttempt(app);
    const json = await openSocket(handoff.websocket_url);
    json.send(helloFrame(handoff));
    expect(await json.next()).toEqual({ type: 'ack', message: 'hello_ok' });
    const message = new Message();
    message.initRoot(ClientMessage)._initPhase().phase = 'mrz_scanning';
    json.sendRaw(Buffer.from(message.toArrayBuffer()), { binary: true });
    const reply: ServerFrame = await json.next();
    expect(reply).toEqual({ type: 'error', code: 'INVALID_MESSAGE', message: WS_MESSAGES.INVALID_MESSAGE });
    json.send({ type: 'phase', phase: 'mrz_scanning' });
    expect(await json.next()).toEqual({ type: 'ack', message: 'phase_ok' });
  });

  it('the hosted status follows a binary walk like a JSON one', async () => {
    const { sessionId, socket } = await helloed();
    await phases(socket, TO_NFC_READING);
    const status = await publicStatus(app.t, sessionId);
    expect([status.status, status.latest_attempt.status, status.latest_attempt.phase]).toEqual(['in_progress', 'in_progress', 'nfc_reading']);
  });
});
