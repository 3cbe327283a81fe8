import { DEFAULT_CHUNK_BYTES, chunkSizeFor, dataFrames, expectedDataAck, type UploadKind } from './frames.js';
import { parseVerificationUrl, requestHandoff, type HandoffFailure } from './handoff.js';
import { FrameTimeoutError, SocketClosedError, VerifySocket, type Codec, type ServerFrame } from './verify-socket.js';

export interface ChipData {
  /** EF.DG1, EF.DG2 and EF.SOD as read from the chip. */
  dg1: Uint8Array;
  dg2: Uint8Array;
  sod: Uint8Array;
}

export interface VerificationInput {
  /** The session's `verification_url`: `<base>/verify/<session id>` (a query is ignored). */
  verificationUrl: string;
  chip: ChipData;
  /** Exactly three selfies (§6.7). */
  selfies: readonly Uint8Array[];
  deviceId: string;
  appVersion?: string;
  /** Keys to share; by default every key the share request offers. */
  select?: readonly string[];
  /** Preferred upload chunk size in bytes (default 64 KiB; raised for items over 64 chunks). */
  chunkBytes?: number;
  /** How long to wait for each reply (default 30 s). */
  replyTimeoutMs?: number;
  /** How long to wait for the verdict of `selfie_complete`, which calls the face matcher (default 130 s). */
  verdictTimeoutMs?: number;
  /** The wire format: JSON text frames (default) or the Kayle app's Cap'n Proto frames (§6.5a). */
  codec?: Codec;
  /** Called with one human-readable line per step. */
  onStep?: (line: string) => void;
}

/** A transport problem after the handoff, shaped like an error frame. */
export interface ClientFailure {
  type: 'error';
  code: 'CONNECTION_FAILED' | 'CONNECTION_CLOSED' | 'TIMEOUT';
  message: string;
  close?: { code: number; reason: string };
}

/**
 * `ok` only on `share_ready`. `result` is the frame that ended the run: `share_ready`, a rejected
 * `verdict` or an `error` frame, or a handoff or connection failure in the error frame's shape.
 */
export type VerificationOutcome =
  | { ok: true; result: ServerFrame }
  | { ok: false; result: ServerFrame | HandoffFailure | ClientFailure };

const SELFIE_COUNT = 3;
const MRZ_PHASES = ['mrz_scanning', 'mrz_complete', 'nfc_reading'] as const;

/** Thrown inside the walk when a frame other than the expected one ends the run. */
class Stop extends Error {
  constructor(readonly frame: ServerFrame) {
    super(`Stopped by a ${frame.type} frame`);
  }
}

/**
 * A reference device client: handoff, then the whole mobile protocol (§6.5-6.10) with chip data
 * and selfies the caller already has (no NFC, no camera): hello → phases → chunked uploads →
 * nfc_complete → selfies → selfie_complete → share_selection. Never throws for a server-side
 * refusal; throws a RangeError for unusable input.
 */
export async function runVerification(input: VerificationInput): Promise<VerificationOutcome> {
  const step = input.onStep ?? (() => undefined);
  const { apiBase, sessionId } = parseVerificationUrl(input.verificationUrl);
  if (input.selfies.length !== SELFIE_COUNT) throw new RangeError(`Exactly ${SELFIE_COUNT} selfies are needed`);
  if (input.deviceId.trim() === '') throw new RangeError('The device id must not be empty');
  const replyTimeout = input.replyTimeoutMs ?? 30_000;

  const handoff = await requestHandoff(apiBase, sessionId);
  if (!handoff.ok) {
    step(`handoff: refused (${handoff.failure.code})`);
    return { ok: false, result: handoff.failure };
  }
  const { attempt_id: attemptId, mobile_write_token: token, websocket_url: websocketUrl } = handoff.handoff;
  step(`handoff: attempt ${attemptId}, token valid until ${handoff.handoff.expires_at}`);

  let socket: VerifySocket;
  try {
    socket = await VerifySocket.open(websocketUrl, { codec: input.codec ?? 'json' });
  } catch (error) {
    return { ok: false, result: { type: 'error', code: 'CONNECTION_FAILED', message: `${websocketUrl}: ${(error as Error).message}` } };
  }
  step(`connect: ${websocketUrl}${socket.codec === 'capnp' ? " (Cap'n Proto frames)" : ''}`);

  const expectAck = async (frame: object, message: string, timeoutMs = replyTimeout): Promise<void> => {
    const reply = await socket.request(frame, timeoutMs);
    if (reply.type !== 'ack' || reply.message !== message) throw new Stop(reply);
  };
  const upload = async (kind: UploadKind, bytes: Uint8Array, index = 0, total = 1): Promise<void> => {
    const frames = dataFrames({ kind, index, total, bytes }, chunkSizeFor(bytes.byteLength, input.chunkBytes ?? DEFAULT_CHUNK_BYTES));
    const label = kind === 'selfie' ? `selfie ${index + 1}/${total}` : kind;
    let sent = 0;
    for (const [i, frame] of frames.entries()) {
      await expectAck(frame, expectedDataAck(frame, i === frames.length - 1, socket.codec));
      sent += Buffer.byteLength(frame.raw, 'base64');
      step(`upload ${label}: chunk ${i + 1}/${frames.length}, ${sent}/${bytes.byteLength} bytes`);
    }
  };

  try {
    await expectAck(
      { type: 'hello', attempt_id: attemptId, mobile_write_token: token, device_id: input.deviceId, ...(input.appVersion ? { app_version: input.appVersion } : {}) },
      'hello_ok',
    );
    step('hello: ok');
    for (const phase of MRZ_PHASES) {
      await expectAck({ type: 'phase', phase }, 'phase_ok');
      step(`phase ${phase}: ok`);
    }
    await upload('dg1', input.chip.dg1);
    await upload('dg2', input.chip.dg2);
    await upload('sod', input.chip.sod);
    await expectAck({ type: 'phase', phase: 'nfc_complete' }, 'phase_ok');
    step('phase nfc_complete: chip checks passed');

    await expectAck({ type: 'phase', phase: 'selfie_capturing' }, 'phase_ok');
    step('phase selfie_capturing: ok');
    for (const [index, selfie] of input.selfies.entries()) await upload('selfie', selfie, index, SELFIE_COUNT);
    const verdict = await socket.request({ type: 'phase', phase: 'selfie_complete' }, input.verdictTimeoutMs ?? 130_000);
    if (verdict.type !== 'verdict' || verdict.outcome !== 'accepted') throw new Stop(verdict);
    step('phase selfie_complete: verdict accepted');

    const request = await socket.next(replyTimeout);
    if (request.type !== 'share_request') throw new Stop(request);
    const fields = (request.fields as Array<{ key: string; required: boolean }>) ?? [];
    step(`share_request: ${fields.map((f) => `${f.key}${f.required ? ' (required)' : ''}`).join(', ')}`);
    const keys = input.select ?? fields.map((f) => f.key);
    const ready = await socket.request({ type: 'share_selection', session_id: sessionId, selected_field_keys: keys }, replyTimeout);
    if (ready.type !== 'share_ready') throw new Stop(ready);
    step(`share_ready: shared ${(ready.selected_field_keys as string[]).join(', ')}`);
    return { ok: true, result: ready };
  } catch (error) {
    if (error instanceof Stop) {
      step(`stopped: ${error.frame.type}${typeof error.frame.code === 'string' ? ` ${error.frame.code}` : ''}${typeof error.frame.reason_code === 'string' ? ` ${error.frame.reason_code}` : ''}`);
      return { ok: false, result: error.frame };
    }
    if (error instanceof SocketClosedError) {
      return { ok: false, result: { type: 'error', code: 'CONNECTION_CLOSED', message: error.message, close: error.close } };
    }
    if (error instanceof FrameTimeoutError) return { ok: false, result: { type: 'error', code: 'TIMEOUT', message: error.message } };
    throw error;
  } finally {
    await socket.close();
  }
}
