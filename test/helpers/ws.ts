import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  dataFrames,
  expectedDataAck,
  VerifySocket,
  type Handoff,
  type ServerFrame,
  type UploadKind,
} from '../../dist/src/verify/client/index.js';
import { bearer, createTestApp, type CreatedKey, type TestApp } from './app.js';
import { createSession, type CreatedSession } from './verify.js';

/**
 * The mobile WebSocket (§6.5-6.12) from the outside: a live app listening on a real port, a
 * frame-queue client (the reference client's VerifySocket) and the protocol's steps as
 * asserting helpers.
 */

export { VerifySocket, type ServerFrame };

/** §6.12 error frame messages, written out from the contract. */
export const WS_MESSAGES = {
  INVALID_SESSION_ID: 'This verification link is not valid. Please restart the verification from the original source.',
  SESSION_NOT_FOUND: 'This verification session is no longer available. Please restart the verification process.',
  SESSION_EXPIRED: 'This verification session has expired for security reasons. Please restart the verification process.',
  TEST_MODE_SESSION: 'This is a test verification. Its outcome is simulated and it cannot be completed on a device.',
  HELLO_REQUIRED: 'Send hello before other messages.',
  HELLO_AUTH_REQUIRED: 'This verification connection is missing required credentials. Please restart from the latest verification link.',
  ATTEMPT_NOT_FOUND: 'This verification attempt is no longer available. Please restart the verification process.',
  HANDOFF_TOKEN_INVALID: 'This handoff credential is not valid. Please restart the verification flow from your browser.',
  HANDOFF_TOKEN_EXPIRED: 'This handoff credential has expired. Please generate a new QR handoff from your browser.',
  HANDOFF_TOKEN_CONSUMED: 'This handoff credential was already used. Please continue on your original device or restart the flow.',
  HANDOFF_DEVICE_MISMATCH: 'This verification attempt is bound to a different device. Continue on that device or start over.',
  ATTEMPT_CONNECTION_ACTIVE: 'This verification attempt is already active on another connection. Continue there or retry after it closes.',
  PHASE_OUT_OF_ORDER: 'This verification step was sent out of order. Continue from the current step.',
  NFC_DATA_PHASE_REQUIRED: 'NFC data can only be uploaded during the NFC reading step. Continue from the current step.',
  SELFIE_DATA_PHASE_REQUIRED: 'Selfie data can only be uploaded during the selfie capture step. Continue from the current step.',
  DATA_CHUNK_RETRY: 'A data chunk needs to be retried. Continue uploading from the current verification step.',
  UNKNOWN_DATA_KIND: 'Unknown data kind.',
  NFC_REQUIRED_DATA_MISSING: 'Required passport chip data is still missing. Continue the NFC upload before finishing this step.',
  SELFIE_REQUIRED_DATA_MISSING: 'Required selfie data is still missing. Continue the selfie upload before finishing this step.',
  SHARE_SELECTION_REQUIRED: 'Choose at least one verification detail before continuing.',
  SHARE_SELECTION_INVALID_FIELD:
    'One or more selected details are not available for this verification. Review the requested details and try again.',
  SHARE_SELECTION_MISSING_REQUIRED: 'Required verification details must stay selected before you can continue.',
  INVALID_MESSAGE: 'Send messages as JSON text frames.',
  DECODE_FAILED: 'The message could not be decoded.',
  INTERNAL_ERROR: "We couldn't complete the verification due to an unexpected issue. Please try again.",
} as const;
export type WsCode = keyof typeof WS_MESSAGES;

/** SESSION_EXPIRED's message for a session that ended otherwise than by expiring (issue 15). */
export const TERMINAL_SESSION_MESSAGES = {
  succeeded: 'This verification session is already complete. Please restart the verification process to verify again.',
  failed: 'This verification session has failed and can no longer be completed. Please restart the verification process.',
  cancelled: 'This verification session was cancelled. Please restart the verification process.',
} as const;

/** The frame refusing a final session: SESSION_EXPIRED (§6.12), with a message naming how it ended. */
export const terminalSessionFrame = (status: keyof typeof TERMINAL_SESSION_MESSAGES) => ({
  type: 'error',
  code: 'SESSION_EXPIRED',
  message: TERMINAL_SESSION_MESSAGES[status],
});

/** §6.9 verdict messages. */
export const VERDICT_MESSAGES = {
  document_authenticity_failed: 'Passport chip integrity checks did not pass. Please retry with a new verification attempt.',
  document_data_invalid: 'Passport data could not be read correctly. Please retry with a new verification attempt.',
  selfie_face_mismatch: 'Selfie evidence did not match the passport photo. Please retry with a new verification attempt.',
  liveness_failed: 'The selfie could not be confirmed as live. Please retry with a new verification attempt.',
} as const;
export type CheckFailure = keyof typeof VERDICT_MESSAGES;

export const ACCEPTED_VERDICT = { type: 'verdict', outcome: 'accepted', reason_code: '', reason_message: '', retry_allowed: false, remaining_attempts: 0 };

/** Three different selfies; the matcher only sees bytes. */
export const SELFIES = [0, 1, 2].map((i) => Buffer.from(`selfie ${i} `.repeat(40 + i * 10)));

/** The handoff response's data (§6.3). */
export type HandoffData = Handoff;

export interface ChipFiles {
  dg1: Uint8Array;
  dg2: Uint8Array;
  sod: Uint8Array;
}

/** A free loopback port, so PUBLIC_BASE_URL (and so websocket_url) can name it before boot. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface LiveApp {
  t: TestApp;
  base: string;
  orgId: string;
  live: CreatedKey;
  test: CreatedKey;
  /** The CSCA_TRUST_STORE_DIR the app reads (and watches), removed by close(). */
  trustDir: string;
  /** ws://127.0.0.1:<port>/v1/verify/session/<id> */
  socketUrl(sessionId: string): string;
  close(): Promise<void>;
}

/**
 * The real app listening on 127.0.0.1, with a trust store holding `cscaPem` (when given) and
 * one tenant. One at a time per spec file: passport keeps one process-wide strategy registry.
 */
export async function startLiveApp(options: { cscaPem?: string; env?: Record<string, string> } = {}): Promise<LiveApp> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const trustDir = mkdtempSync(join(tmpdir(), 'passline-csca-'));
  if (options.cscaPem) writeFileSync(join(trustDir, 'csca.pem'), options.cscaPem);
  const t = await createTestApp({ PUBLIC_BASE_URL: base, CSCA_TRUST_STORE_DIR: trustDir, ...options.env });
  await t.app.listen(port, '127.0.0.1');
  const tenant = await t.tenant();
  return {
    t,
    base,
    orgId: tenant.orgId,
    live: tenant.live,
    test: tenant.test,
    trustDir,
    socketUrl: (sessionId) => `ws://127.0.0.1:${port}/v1/verify/session/${sessionId}`,
    close: async () => {
      await t.close();
      rmSync(trustDir, { recursive: true, force: true });
    },
  };
}

export async function handoffOf(t: TestApp, sessionId: string): Promise<HandoffData> {
  const res = await t.http().post(`/v1/verify/session/${sessionId}/handoff`);
  if (res.status !== 200) throw new Error(`handoff failed: ${res.status} ${res.text}`);
  return res.body.data as HandoffData;
}

/** A new live session and its first handoff. */
export async function startAttempt(app: LiveApp, body: Record<string, unknown> = {}): Promise<{ session: CreatedSession; handoff: HandoffData }> {
  const session = await createSession(app.t, app.live, body);
  return { session, handoff: await handoffOf(app.t, session.id) };
}

export const helloFrame = (handoff: HandoffData, deviceId = 'device-a', extra: Record<string, unknown> = {}) => ({
  type: 'hello',
  attempt_id: handoff.attempt_id,
  mobile_write_token: handoff.mobile_write_token,
  device_id: deviceId,
  app_version: '1.0.0',
  ...extra,
});

const openSockets = new Set<VerifySocket>();

/** Opens a socket that `closeOpenSockets()` (afterEach) will close if the test did not. */
export async function openSocket(url: string, headers?: Record<string, string>): Promise<VerifySocket> {
  const socket = await VerifySocket.open(url, { headers });
  openSockets.add(socket);
  void socket.closed.then(() => openSockets.delete(socket));
  return socket;
}

export async function closeOpenSockets(): Promise<void> {
  await Promise.all([...openSockets].map((socket) => socket.close()));
}

/** Opens the handoff's websocket_url and says hello. */
export async function connectAndHello(handoff: HandoffData, deviceId = 'device-a'): Promise<VerifySocket> {
  const socket = await openSocket(handoff.websocket_url);
  await expectAck(socket, helloFrame(handoff, deviceId), 'hello_ok');
  return socket;
}

export async function expectAck(socket: VerifySocket, frame: object, message: string): Promise<void> {
  expect(await socket.request(frame)).toEqual({ type: 'ack', message });
}

/** The next frame is exactly the §6.12 error frame for `code` (with `details` when given). */
export async function expectError(socket: VerifySocket, code: WsCode, details?: Record<string, unknown>): Promise<void> {
  expect(await socket.next()).toEqual({ type: 'error', code, message: WS_MESSAGES[code], ...(details ? { details } : {}) });
}

/** Sends `frame`; the reply is the error frame for `code`. */
export async function expectRefused(socket: VerifySocket, frame: object | string, code: WsCode, details?: Record<string, unknown>): Promise<void> {
  if (typeof frame === 'string') socket.sendRaw(frame);
  else socket.send(frame);
  await expectError(socket, code, details);
}

/** The server closes the socket with `code` (and `reason`) within `timeoutMs`, with no frame before it. */
export async function expectClosed(socket: VerifySocket, code: number, reason = '', timeoutMs = 5_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const close = await Promise.race([
    socket.closed,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
  expect(close).toEqual({ code, reason });
  await expect(socket.next(100)).rejects.toThrow('closed');
}

/** The error frame for `code`, then the close the contract gives it (§6.12). */
export async function expectFatal(socket: VerifySocket, code: WsCode, closeCode: 1000 | 1008 | 1011): Promise<void> {
  await expectError(socket, code);
  await expectClosed(socket, closeCode, closeCode === 1000 ? '' : code);
}

export async function sendPhases(socket: VerifySocket, phases: string[]): Promise<void> {
  for (const phase of phases) await expectAck(socket, { type: 'phase', phase }, 'phase_ok');
}

export const TO_NFC_READING = ['mrz_scanning', 'mrz_complete', 'nfc_reading'];

/** Uploads one item in chunks of `chunkBytes`, checking every ack. */
export async function uploadItem(
  socket: VerifySocket,
  item: { kind: UploadKind; bytes: Uint8Array; index?: number; total?: number },
  chunkBytes?: number,
): Promise<void> {
  const frames = dataFrames(item, chunkBytes);
  for (const [i, frame] of frames.entries()) await expectAck(socket, frame, expectedDataAck(frame, i === frames.length - 1));
}

export async function uploadChip(socket: VerifySocket, chip: ChipFiles, chunkBytes?: number): Promise<void> {
  await uploadItem(socket, { kind: 'dg1', bytes: chip.dg1 }, chunkBytes);
  await uploadItem(socket, { kind: 'dg2', bytes: chip.dg2 }, chunkBytes);
  await uploadItem(socket, { kind: 'sod', bytes: chip.sod }, chunkBytes);
}

/** From a fresh hello to `nfc_complete` sent; the reply is left to the caller. */
export async function sendChip(socket: VerifySocket, chip: ChipFiles): Promise<ServerFrame> {
  await sendPhases(socket, TO_NFC_READING);
  await uploadChip(socket, chip);
  return socket.request({ type: 'phase', phase: 'nfc_complete' });
}

/** From `nfc_complete` to `selfie_complete` sent; the reply is left to the caller. */
export async function sendSelfies(socket: VerifySocket, selfies: readonly Uint8Array[] = SELFIES): Promise<ServerFrame> {
  await sendPhases(socket, ['selfie_capturing']);
  for (const [index, bytes] of selfies.entries()) await uploadItem(socket, { kind: 'selfie', index, total: 3, bytes });
  return socket.request({ type: 'phase', phase: 'selfie_complete' });
}

/** A whole passing walk up to the share request; returns the share_request frame. */
export async function walkToShareRequest(socket: VerifySocket, chip: ChipFiles): Promise<ServerFrame> {
  expect(await sendChip(socket, chip)).toEqual({ type: 'ack', message: 'phase_ok' });
  expect(await sendSelfies(socket)).toEqual(ACCEPTED_VERDICT);
  const request = await socket.next();
  expect(request.type).toBe('share_request');
  return request;
}

/** The rejected verdict frame of §6.9 for a failed check with `remaining` attempts left. */
export function rejectedVerdict(code: CheckFailure, remaining: number) {
  return {
    type: 'verdict',
    outcome: 'rejected',
    reason_code: code,
    reason_message: VERDICT_MESSAGES[code],
    retry_allowed: remaining > 0,
    remaining_attempts: remaining,
  };
}

/** The rejected verdict of §6.9, then close 1008 with the code as reason. */
export async function expectRejected(socket: VerifySocket, reply: ServerFrame, code: CheckFailure, remaining: number): Promise<void> {
  expect(reply).toEqual(rejectedVerdict(code, remaining));
  await expectClosed(socket, 1008, code);
}

export async function publicStatus(t: TestApp, sessionId: string): Promise<Record<string, any>> {
  const res = await t.http().get(`/v1/verify/session/${sessionId}/status`);
  if (res.status !== 200) throw new Error(`status failed: ${res.status} ${res.text}`);
  return res.body.data as Record<string, any>;
}

/** The session with its attempts through the business API. */
export async function sessionWithAttempts(app: LiveApp, sessionId: string): Promise<Record<string, any>> {
  const res = await app.t.http().get(`/v1/sessions/${sessionId}`).query({ include_attempts: 'true' }).set(bearer(app.live));
  if (res.status !== 200) throw new Error(`get session failed: ${res.status} ${res.text}`);
  return res.body.data as Record<string, any>;
}
