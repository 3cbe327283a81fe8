import { randomBytes } from 'node:crypto';
import { bearer } from './helpers/app.js';
import { clock, consumeHandoff, createSession, UNKNOWN_SESSION_ID } from './helpers/verify.js';
import {
  closeOpenSockets,
  connectAndHello,
  expectAck,
  expectClosed,
  expectError,
  expectFatal,
  expectRefused,
  handoffOf,
  helloFrame,
  openSocket,
  publicStatus,
  sendPhases,
  startAttempt,
  startLiveApp,
  TO_NFC_READING,
  uploadItem,
  terminalSessionFrame,
  WS_MESSAGES,
  type LiveApp,
  type WsCode,
} from './helpers/ws.js';

/**
 * The mobile WebSocket's front door (§6.5, §6.6, §6.12): the upgrade, the connection checks,
 * hello and its errors, leases and resume, malformed frames, and sessions that end while a
 * socket is open. Against the real app on a real port, with the `ws` client.
 */

const WEBSOCKET_REQUIRED = '{"error":{"code":"WEBSOCKET_REQUIRED","message":"This endpoint requires a WebSocket connection."}}';
const REQUEST_ID = /^req_[a-z0-9]{24}$/;
const SESSION_EXPIRED_FRAME = { type: 'error', code: 'SESSION_EXPIRED', message: WS_MESSAGES.SESSION_EXPIRED };

let app: LiveApp;

beforeAll(async () => {
  app = await startLiveApp();
});
afterEach(() => closeOpenSockets());
afterAll(() => app.close());

describe('Upgrade and connection checks (§6.5)', () => {
  it('answers a plain GET with 426 and the exact body, with a request id', async () => {
    const { session } = await startAttempt(app);
    const res = await app.t.http().get(`/v1/verify/session/${session.id}`);
    expect(res.status).toBe(426);
    expect(res.text).toBe(WEBSOCKET_REQUIRED);
    expect(res.headers['x-request-id']).toMatch(REQUEST_ID);
  });

  it('puts X-Request-Id on the upgrade response: generated, or the valid one the client sent', async () => {
    const { session } = await startAttempt(app);
    const generated = await openSocket(app.socketUrl(session.id));
    expect(generated.upgradeHeaders['x-request-id']).toMatch(REQUEST_ID);
    const echoed = await openSocket(app.socketUrl(session.id), { 'X-Request-Id': 'mobile-app.trace:42' });
    expect(echoed.upgradeHeaders['x-request-id']).toBe('mobile-app.trace:42');
  });

  it.each<[WsCode, () => Promise<string>]>([
    ['INVALID_SESSION_ID', async () => 'not-a-session'],
    ['SESSION_NOT_FOUND', async () => UNKNOWN_SESSION_ID],
    ['TEST_MODE_SESSION', async () => (await createSession(app.t, app.test)).id],
  ])('sends %s and closes 1000 for a session it cannot serve', async (code, sessionId) => {
    const socket = await openSocket(app.socketUrl(await sessionId()));
    await expectFatal(socket, code, 1000);
  });

  it('refuses a cancelled session with SESSION_EXPIRED saying it was cancelled, and closes 1000', async () => {
    const session = await createSession(app.t, app.live);
    expect((await app.t.http().post(`/v1/sessions/${session.id}/cancel`).set(bearer(app.live))).status).toBe(204);
    const socket = await openSocket(app.socketUrl(session.id));
    expect(await socket.next()).toEqual(terminalSessionFrame('cancelled'));
    await expectClosed(socket, 1000);
  });

  it('answers an id with a malformed percent-escape with INVALID_SESSION_ID, and keeps serving', async () => {
    const socket = await openSocket(app.socketUrl('vs_%E0%A4%A'));
    await expectFatal(socket, 'INVALID_SESSION_ID', 1000);
    expect((await app.t.http().get('/health')).status).toBe(200);
  });
});

describe('hello (§6.6)', () => {
  it('answers HELLO_REQUIRED to anything before hello and keeps the socket open', async () => {
    const { session, handoff } = await startAttempt(app);
    const socket = await openSocket(handoff.websocket_url);
    await expectRefused(socket, { type: 'phase', phase: 'mrz_scanning' }, 'HELLO_REQUIRED');
    await expectRefused(socket, { type: 'data', kind: 'dg1', index: 0, total: 1, raw: '' }, 'HELLO_REQUIRED');
    await expectRefused(socket, { type: 'share_selection', session_id: session.id, selected_field_keys: ['x'] }, 'HELLO_REQUIRED');
    await expectAck(socket, helloFrame(handoff), 'hello_ok');
  });

  it('consumes the handoff: session in_progress, phase mobile_connected; the same hello is acked again', async () => {
    const { session, handoff } = await startAttempt(app);
    const socket = await connectAndHello(handoff);
    const status = await publicStatus(app.t, session.id);
    expect(status.status).toBe('in_progress');
    expect(status.latest_attempt).toMatchObject({ id: handoff.attempt_id, status: 'in_progress', phase: 'mobile_connected' });
    await expectAck(socket, helloFrame(handoff), 'hello_ok');
    // A handoff while the socket works on the attempt is refused (§6.3 step 5).
    expect((await app.t.http().post(`/v1/verify/session/${session.id}/handoff`)).status).toBe(409);
  });

  it('refuses a second hello for another attempt with HELLO_AUTH_REQUIRED, close 1008', async () => {
    const { handoff } = await startAttempt(app);
    const socket = await connectAndHello(handoff);
    socket.send(helloFrame({ ...handoff, attempt_id: `va_${'1'.repeat(64)}` }));
    await expectFatal(socket, 'HELLO_AUTH_REQUIRED', 1008);
  });

  it.each([
    ['attempt_id', ''],
    ['mobile_write_token', '   '],
    ['device_id', ' \t '],
  ])('refuses a blank %s with HELLO_AUTH_REQUIRED, close 1008', async (field, value) => {
    const { handoff } = await startAttempt(app);
    const socket = await openSocket(handoff.websocket_url);
    socket.send(helloFrame(handoff, 'device-a', { [field]: value }));
    await expectFatal(socket, 'HELLO_AUTH_REQUIRED', 1008);
  });

  it('refuses an unknown attempt, another session’s attempt and a replaced one with ATTEMPT_NOT_FOUND', async () => {
    const { handoff } = await startAttempt(app);
    const other = await startAttempt(app);

    const replaced = await startAttempt(app);
    clock(app.t).advance(61_000); // past the reuse window: the next handoff replaces the attempt
    try {
      expect((await handoffOf(app.t, replaced.session.id)).attempt_id).not.toBe(replaced.handoff.attempt_id);
    } finally {
      clock(app.t).advance(-61_000);
    }

    for (const [target, attemptId] of [
      [handoff, `va_${'0'.repeat(64)}`],
      [handoff, other.handoff.attempt_id],
      [replaced.handoff, replaced.handoff.attempt_id],
    ] as const) {
      const socket = await openSocket(target.websocket_url);
      socket.send(helloFrame({ ...target, attempt_id: attemptId }));
      await expectFatal(socket, 'ATTEMPT_NOT_FOUND', 1008);
    }
  });

  it('refuses a wrong token with HANDOFF_TOKEN_INVALID', async () => {
    const { handoff } = await startAttempt(app);
    const socket = await openSocket(handoff.websocket_url);
    socket.send(helloFrame({ ...handoff, mobile_write_token: randomBytes(32).toString('hex') }));
    await expectFatal(socket, 'HANDOFF_TOKEN_INVALID', 1008);
  });

  it('refuses an unused token after its 5 minutes with HANDOFF_TOKEN_EXPIRED', async () => {
    const { handoff } = await startAttempt(app);
    clock(app.t).advance(301_000);
    try {
      const socket = await openSocket(handoff.websocket_url);
      socket.send(helloFrame(handoff));
      await expectFatal(socket, 'HANDOFF_TOKEN_EXPIRED', 1008);
    } finally {
      clock(app.t).advance(-301_000);
    }
  });

  it('refuses a token consumed without a device with HANDOFF_TOKEN_CONSUMED', async () => {
    const { session, handoff } = await startAttempt(app);
    await consumeHandoff(app.t, session.id, handoff.attempt_id);
    const socket = await openSocket(handoff.websocket_url);
    socket.send(helloFrame(handoff));
    await expectFatal(socket, 'HANDOFF_TOKEN_CONSUMED', 1008);
  });

  it('refuses another device on a consumed token with HANDOFF_DEVICE_MISMATCH', async () => {
    const { handoff } = await startAttempt(app);
    await (await connectAndHello(handoff, 'device-a')).close();
    const socket = await openSocket(handoff.websocket_url);
    socket.send(helloFrame(handoff, 'device-b'));
    await expectFatal(socket, 'HANDOFF_DEVICE_MISMATCH', 1008);
  });

  it('refuses a second socket while the first is open with ATTEMPT_CONNECTION_ACTIVE; the first keeps working', async () => {
    const { handoff } = await startAttempt(app);
    const first = await connectAndHello(handoff, 'device-a');
    const second = await openSocket(handoff.websocket_url);
    second.send(helloFrame(handoff, 'device-a'));
    await expectFatal(second, 'ATTEMPT_CONNECTION_ACTIVE', 1008);
    await sendPhases(first, ['mrz_scanning']);
  });

  it('frees the attempt when the socket drops while hello is running, so the device can resume', async () => {
    const { session, handoff } = await startAttempt(app);
    const dropped = await openSocket(handoff.websocket_url);
    dropped.send(helloFrame(handoff));
    dropped.socket.terminate();
    await dropped.closed;
    // The hello still completes server-side; then the lease must be released, not held for 30 s.
    const deadline = Date.now() + 3_000;
    for (;;) {
      const socket = await openSocket(handoff.websocket_url);
      const reply = await socket.request(helloFrame(handoff));
      if (reply.type === 'ack') break;
      expect(reply.code).toBe('ATTEMPT_CONNECTION_ACTIVE');
      if (Date.now() > deadline) throw new Error('the attempt stayed leased to the dropped socket');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await publicStatus(app.t, session.id)).latest_attempt.phase).toBe('mobile_connected');
  });

  it('resumes on the same device after a close: phase back to mrz_complete and no upload kept', async () => {
    const { session, handoff } = await startAttempt(app);
    const first = await connectAndHello(handoff, 'device-a');
    await sendPhases(first, TO_NFC_READING);
    await uploadItem(first, { kind: 'dg1', bytes: Buffer.from('dg1 bytes') });
    expect((await publicStatus(app.t, session.id)).latest_attempt.phase).toBe('nfc_reading');
    await first.close();

    const second = await connectAndHello(handoff, 'device-a');
    const status = await publicStatus(app.t, session.id);
    expect(status.status).toBe('in_progress');
    expect(status.latest_attempt).toMatchObject({ id: handoff.attempt_id, status: 'in_progress', phase: 'mrz_complete' });
    await expectRefused(second, { type: 'phase', phase: 'nfc_complete' }, 'NFC_REQUIRED_DATA_MISSING', {
      missing_artifacts: ['dg1', 'dg2', 'sod'],
      missing_chunks: [],
    });
    await sendPhases(second, ['nfc_reading']);
  });
});

describe('Malformed frames (§6.5)', () => {
  it('answers a binary frame with INVALID_MESSAGE and keeps the socket open', async () => {
    const { handoff } = await startAttempt(app);
    const socket = await connectAndHello(handoff);
    socket.sendRaw(Buffer.from(JSON.stringify({ type: 'phase', phase: 'mrz_scanning' })), { binary: true });
    await expectError(socket, 'INVALID_MESSAGE');
    await sendPhases(socket, ['mrz_scanning']);
  });

  it('answers bad JSON, unknown types and missing or wrongly typed fields with DECODE_FAILED, socket open', async () => {
    const { session, handoff } = await startAttempt(app);
    const socket = await connectAndHello(handoff);
    const frames = [
      'not json',
      '{"type":"phase","phase":"mrz_scanning"',
      '[{"type":"phase","phase":"mrz_scanning"}]',
      '"phase"',
      'null',
      '{"phase":"mrz_scanning"}',
      '{"type":"selfie_ready"}',
      '{"type":"phase"}',
      '{"type":"phase","phase":3}',
      '{"type":"phase","phase":""}',
      JSON.stringify({ type: 'phase', phase: 'x'.repeat(65) }),
      JSON.stringify({ type: 'phase', phase: 'mrz_scanning', error: 'e'.repeat(501) }),
      '{"type":"data","kind":"dg1","index":"0","total":1,"raw":""}',
      '{"type":"data","kind":"dg1","index":0,"total":1}',
      '{"type":"data","kind":"dg1","index":0,"total":1,"chunk_index":"0","raw":""}',
      JSON.stringify({ type: 'share_selection', session_id: session.id, selected_field_keys: 'age_over_18' }),
      JSON.stringify({ type: 'share_selection', session_id: session.id, selected_field_keys: [18] }),
      JSON.stringify({ ...helloFrame(handoff), device_id: 7 }),
      JSON.stringify({ ...helloFrame(handoff), device_id: 'd'.repeat(257) }),
      JSON.stringify({ ...helloFrame(handoff), app_version: 'v'.repeat(65) }),
    ];
    for (const frame of frames) await expectRefused(socket, frame, 'DECODE_FAILED');
    await expectAck(socket, { type: 'phase', phase: 'mrz_scanning', error: 'camera permission was slow' }, 'phase_ok');
  });

  it('closes the socket with 1009 and no error frame for a frame over 1 MiB', async () => {
    const { handoff } = await startAttempt(app);
    const socket = await connectAndHello(handoff);
    const big = JSON.stringify({ type: 'phase', phase: 'mrz_scanning', error: 'x'.repeat(1024 * 1024) });
    socket.sendRaw(big);
    await expectClosed(socket, 1009);
  });
});

describe('A session that ends while the socket is open (§6.6)', () => {
  it('pushes SESSION_EXPIRED and closes 1000 within 5 s of an API cancel', async () => {
    const { session, handoff } = await startAttempt(app);
    const socket = await connectAndHello(handoff);
    expect((await app.t.http().post(`/v1/sessions/${session.id}/cancel`).set(bearer(app.live))).status).toBe(204);
    expect(await socket.next(5_000)).toEqual(terminalSessionFrame('cancelled'));
    await expectClosed(socket, 1000);
  });

  it('pushes SESSION_EXPIRED and closes 1000 within 5 s once expires_at has passed', async () => {
    const { session, handoff } = await startAttempt(app, { expires_in: 600 });
    const socket = await connectAndHello(handoff);
    clock(app.t).advance(601_000);
    try {
      expect(await socket.next(5_000)).toEqual(SESSION_EXPIRED_FRAME);
      await expectClosed(socket, 1000);
      expect((await publicStatus(app.t, session.id)).status).toBe('expired');
    } finally {
      clock(app.t).advance(-601_000);
    }
  });
});
