import type { Logger } from '@nestjs/common';
import type { CheckFailureCode } from '../../sessions/attempts/failure-codes.js';
import type { Clock } from '../../common/clock.js';
import type { Session } from '../../sessions/entities/session.entity.js';
import { checkShareSelection, shareRequestFields } from '../../sessions/share-contract/index.js';
import { VERDICT_REASON_MESSAGES } from '../verdict-messages.js';
import type { ChipCheckResult, ChipVerifier } from './chip-check.js';
import type { FaceMatcher } from '../../face-match/face-matcher.js';
import type { FrameCodec, FrameCodecs } from './codec/frame-codec.js';
import type { ClientMessage, ServerMessage } from './messages.js';
import type { MobileFlowService } from './mobile-flow.service.js';
import { isTrackedPhase, phaseIndex } from './phases.js';
import { CHIP_KINDS, SELFIE_COUNT, UploadBuffer, type DataKind } from './uploads.js';
import { CLOSE, terminalSessionMessage, type WsErrorCode } from './ws-errors.js';

export const HELLO_TIMEOUT_MS = 30_000;
export const LEASE_RENEW_MS = 10_000;
/** How often an open socket looks for a cancel or expiry made elsewhere (§6.6: within 5 s). */
export const SESSION_WATCH_MS = 2_000;

/** The part of a `ws` WebSocket this class uses. */
export interface MobileSocket {
  readonly readyState: number;
  send(data: string | Uint8Array): void;
  close(code: number, reason?: string): void;
}

export interface MobileDeps {
  flow: MobileFlowService;
  chip: ChipVerifier;
  faceMatch: FaceMatcher;
  clock: Clock;
  logger: Logger;
  codecs: FrameCodecs;
}

const OPEN = 1;

/**
 * One mobile WebSocket (§6.5-6.10). Passport data and selfies live only in this object's
 * memory, for the socket's lifetime; nothing of them is logged. Frames are handled one at
 * a time, in order.
 */
export class MobileConnection {
  private attemptId: string | null = null;
  private phase: string | null = null;
  private readonly uploads = new UploadBuffer();
  private chipCheck: Extract<ChipCheckResult, { ok: true }> | null = null;
  private faceScore: number | null = null;
  private shareRequested = false;
  private sharedKeys: string[] | null = null;
  private closed = false;
  /** Picked by the first data frame (§6.5a); until then replies go out as JSON. */
  private codec: FrameCodec | null = null;
  private queue: Promise<void> = Promise.resolve();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly socket: MobileSocket,
    private readonly sessionId: string,
    private readonly owner: string,
    private readonly deps: MobileDeps,
  ) {}

  /** Connection checks (§6.5), then the hello timeout and the session watch. */
  open(): void {
    // Queued like a frame, so frames that arrive early wait for the checks.
    this.enqueue(async () => {
      const gate = await this.deps.flow.gate(this.sessionId);
      if (!gate.ok) this.fail(gate.code, CLOSE.NORMAL, gate.status);
    });
    this.every(HELLO_TIMEOUT_MS, () => {
      if (!this.attemptId) this.fail('HELLO_REQUIRED', CLOSE.POLICY);
    }, false);
    this.every(SESSION_WATCH_MS, () =>
      this.enqueue(async () => {
        await this.watchSession();
      }),
    );
  }

  /**
   * A frame arrived. The first one picks the connection's codec by its opcode (§6.5a); a frame
   * of the other kind later is INVALID_MESSAGE, in the connection's codec.
   */
  onFrame(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    this.enqueue(async () => {
      this.codec ??= await this.deps.codecs.codecFor(isBinary);
      if (this.codec.binary !== isBinary) return this.error('INVALID_MESSAGE');
      if (!(await this.watchSession())) return;
      const payload = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      const message = this.codec.decode(payload);
      if (!message) return this.error('DECODE_FAILED');
      await this.handle(message);
    });
  }

  /** The socket closed: drop everything held in memory and free the attempt at once. */
  onClose(): void {
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    this.uploads.clear();
    this.chipCheck = null;
    if (this.attemptId) {
      this.deps.flow.releaseLease(this.attemptId, this.owner).catch((err: unknown) => {
        this.deps.logger.warn(`Could not release the attempt lease: ${(err as Error).message}`);
      });
    }
  }

  private async handle(message: ClientMessage): Promise<void> {
    if (message.type === 'hello') return this.hello(message);
    if (!this.attemptId) return this.error('HELLO_REQUIRED');
    switch (message.type) {
      case 'phase':
        // §6.5: a problem the client reports is only logged (quoted: it is client text).
        if (message.error !== null) {
          const at = `phase ${JSON.stringify(message.phase)} of attempt ${this.attemptId}`;
          this.deps.logger.warn(`Client reported a problem at ${at}: ${JSON.stringify(message.error)}`);
        }
        return this.onPhase(message.phase);
      case 'data':
        return this.onData(message);
      case 'share_selection':
        return this.onShareSelection(message.session_id, message.selected_field_keys);
    }
  }

  private async hello(message: Extract<ClientMessage, { type: 'hello' }>): Promise<void> {
    const attemptId = message.attempt_id.trim();
    const token = message.mobile_write_token.trim();
    const deviceId = message.device_id.trim();
    if (!attemptId || !token || !deviceId) return this.fail('HELLO_AUTH_REQUIRED', CLOSE.POLICY);
    if (this.attemptId) {
      if (attemptId !== this.attemptId) return this.fail('HELLO_AUTH_REQUIRED', CLOSE.POLICY);
      return this.send({ type: 'ack', message: 'hello_ok' });
    }
    const result = await this.deps.flow.hello(
      this.sessionId,
      { attemptId, token, deviceId, appVersion: message.app_version?.trim() || null },
      this.owner,
    );
    if (!result.ok) return this.fail(result.code, result.code === 'SESSION_EXPIRED' ? CLOSE.NORMAL : CLOSE.POLICY, result.status);
    if (this.closed) {
      // The socket dropped while hello ran, so onClose had no attempt to release: free it now,
      // or the device could not resume until the lease ran out (and no renew timer may start).
      await this.deps.flow.releaseLease(attemptId, this.owner);
      return;
    }
    this.attemptId = attemptId;
    this.phase = result.phase;
    this.every(LEASE_RENEW_MS, () =>
      this.enqueue(async () => {
        if (!(await this.deps.flow.renewLease(attemptId, this.owner))) this.fail('ATTEMPT_CONNECTION_ACTIVE', CLOSE.POLICY);
      }),
    );
    this.send({ type: 'ack', message: 'hello_ok' });
  }

  private async onPhase(phase: string): Promise<void> {
    if (phase === 'nfc_complete') return this.onNfcComplete();
    if (phase === 'selfie_complete') return this.onSelfieComplete();
    if (!isTrackedPhase(phase)) return this.send({ type: 'ack', message: 'phase_ok' });
    if (!(await this.advanceTo(phase))) return;
    this.send({ type: 'ack', message: 'phase_ok' });
  }

  /** Moves to `phase` if it is the current or the next one; otherwise PHASE_OUT_OF_ORDER. */
  private async advanceTo(phase: string): Promise<boolean> {
    const current = phaseIndex(this.phase);
    const target = phaseIndex(phase);
    if (target === current) return true;
    if (target !== current + 1) {
      this.error('PHASE_OUT_OF_ORDER');
      return false;
    }
    await this.deps.flow.setPhase(this.attemptId!, phase);
    this.phase = phase;
    return true;
  }

  private async onNfcComplete(): Promise<void> {
    const missing = CHIP_KINDS.filter((kind) => !this.uploads.complete(kind));
    if (missing.length > 0) {
      return this.error('NFC_REQUIRED_DATA_MISSING', {
        missing_artifacts: missing,
        missing_chunks: CHIP_KINDS.flatMap((kind) => this.uploads.missingChunks(kind, [0])),
      });
    }
    if (this.phase === 'nfc_complete') return this.send({ type: 'ack', message: 'phase_ok' });
    if (this.phase !== 'nfc_reading') return this.error('PHASE_OUT_OF_ORDER');
    const check = await this.deps.chip.verify(
      this.uploads.complete('dg1')!,
      this.uploads.complete('dg2')!,
      this.uploads.complete('sod')!,
      this.deps.clock.now(),
    );
    if (!check.ok) {
      // The reason stays server-side (operators see it); the client sees only the code.
      this.deps.logger.warn(`Chip check failed for attempt ${this.attemptId}: ${check.code} (${check.reason})`);
      return this.rejectAttempt(check.code, 1);
    }
    this.chipCheck = check;
    await this.deps.flow.setPhase(this.attemptId!, 'nfc_complete');
    this.phase = 'nfc_complete';
    this.send({ type: 'ack', message: 'phase_ok' });
  }

  private async onSelfieComplete(): Promise<void> {
    const indexes = [...Array(SELFIE_COUNT).keys()];
    const missing = indexes.filter((i) => !this.uploads.complete('selfie', i));
    if (missing.length > 0) {
      return this.error('SELFIE_REQUIRED_DATA_MISSING', {
        required_total: SELFIE_COUNT,
        missing_selfie_indexes: missing,
        missing_chunks: this.uploads.missingChunks('selfie', indexes),
      });
    }
    if (this.phase === 'selfie_complete') return this.send({ type: 'ack', message: 'phase_ok' });
    if (this.phase !== 'selfie_capturing' || !this.chipCheck) return this.error('PHASE_OUT_OF_ORDER');
    const result = await this.deps.faceMatch.match(
      this.chipCheck.portrait.image,
      indexes.map((i) => this.uploads.complete('selfie', i)!),
    );
    const score = typeof result.faceScore === 'number' ? clamp01(result.faceScore) : null;
    if (result.livenessPassed === false) return this.rejectAttempt('liveness_failed', 1);
    if (!result.passed) {
      return this.rejectAttempt('selfie_face_mismatch', result.usedFallback || score === null ? 1 : 1 - score);
    }
    this.faceScore = score;
    await this.deps.flow.setPhase(this.attemptId!, 'selfie_complete');
    this.phase = 'selfie_complete';
    this.send({ type: 'verdict', outcome: 'accepted', reason_code: '', reason_message: '', retry_allowed: false, remaining_attempts: 0 });
    const session = await this.deps.flow.currentSession(this.sessionId);
    if (!session) return this.fail('SESSION_NOT_FOUND', CLOSE.NORMAL);
    this.shareRequested = true;
    this.send({
      type: 'share_request',
      contract_version: session.contractVersion,
      session_id: session.id,
      fields: shareRequestFields(session.shareFields),
    });
  }

  private async onData(message: Extract<ClientMessage, { type: 'data' }>): Promise<void> {
    const kind = message.kind as DataKind;
    const isChip = (CHIP_KINDS as readonly string[]).includes(kind);
    if (!isChip && kind !== 'selfie') return this.error('UNKNOWN_DATA_KIND');
    if (isChip && this.phase !== 'nfc_reading') return this.error('NFC_DATA_PHASE_REQUIRED');
    if (!isChip && this.phase !== 'selfie_capturing') return this.error('SELFIE_DATA_PHASE_REQUIRED');
    const result = this.uploads.accept({
      kind,
      index: message.index,
      total: message.total,
      chunkIndex: message.chunk_index,
      chunkTotal: message.chunk_total,
      raw: message.raw,
    });
    if (!result.ok) {
      return this.error('DATA_CHUNK_RETRY', {
        kind,
        index: message.index,
        chunk_index: message.chunk_index,
        reason: result.reason,
      });
    }
    this.send({ type: 'data_ack', kind, index: message.index, chunk_index: message.chunk_index, complete: result.complete });
  }

  private async onShareSelection(sessionId: string, selected: string[]): Promise<void> {
    if (this.sharedKeys) {
      return this.send({ type: 'share_ready', session_id: this.sessionId, selected_field_keys: this.sharedKeys });
    }
    if (!this.shareRequested || !this.chipCheck) return this.error('PHASE_OUT_OF_ORDER');
    if (sessionId.trim() !== this.sessionId) return this.error('INVALID_SESSION_ID');
    const session = await this.deps.flow.currentSession(this.sessionId);
    if (!session) return this.fail('SESSION_NOT_FOUND', CLOSE.NORMAL);
    const selection = checkShareSelection(session.shareFields, selected);
    if (!selection.ok) return this.error(selection.code);
    const now = this.deps.clock.now();
    const claims = this.deps.chip.buildClaims(this.chipCheck, selection.keys, { organizationId: session.organizationId, now });
    const riskScore = this.faceScore === null ? 0 : clamp01(1 - this.faceScore);
    const done = await this.deps.flow.succeed(this.sessionId, this.attemptId!, { keys: selection.keys, claims, riskScore });
    if (!done) return this.fail('SESSION_EXPIRED', CLOSE.NORMAL);
    this.sharedKeys = selection.keys;
    this.uploads.clear();
    this.send({ type: 'share_ready', session_id: this.sessionId, selected_field_keys: selection.keys });
  }

  /** A failed check ends the attempt (§6.9): verdict, then close 1008. */
  private async rejectAttempt(code: CheckFailureCode, riskScore: number): Promise<void> {
    this.uploads.clear();
    this.chipCheck = null;
    const outcome = await this.deps.flow.failAttempt(this.sessionId, this.attemptId!, code, riskScore);
    if (!outcome) return this.fail('SESSION_EXPIRED', CLOSE.NORMAL);
    this.send({
      type: 'verdict',
      outcome: 'rejected',
      reason_code: code,
      reason_message: VERDICT_REASON_MESSAGES[code],
      retry_allowed: !outcome.sessionTerminal,
      remaining_attempts: outcome.remainingAttempts,
    });
    this.close(CLOSE.POLICY, code);
  }

  /** Every frame first checks the session: cancelled or expired ends the socket (§6.6). */
  private async watchSession(): Promise<boolean> {
    if (this.closed) return false;
    if (this.sharedKeys) return true;
    const session: Session | null = await this.deps.flow.currentSession(this.sessionId);
    if (!session) {
      this.fail('SESSION_NOT_FOUND', CLOSE.NORMAL);
      return false;
    }
    if (session.status !== 'created' && session.status !== 'in_progress') {
      this.fail('SESSION_EXPIRED', CLOSE.NORMAL, session.status);
      return false;
    }
    return true;
  }

  private enqueue(work: () => Promise<void> | void): void {
    this.queue = this.queue
      .then(async () => {
        if (!this.closed) await work();
      })
      .catch((err: unknown) => {
        this.deps.logger.error(`Mobile socket error on session ${this.sessionId}: ${(err as Error).message}`);
        this.fail('INTERNAL_ERROR', CLOSE.INTERNAL);
      });
  }

  private every(ms: number, fn: () => void, repeat = true): void {
    const timer = repeat ? setInterval(fn, ms) : setTimeout(fn, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private error(code: WsErrorCode, details?: Record<string, unknown>): void {
    this.send({ type: 'error', code, ...(details ? { details } : {}) });
  }

  /**
   * Error frame, then close: 1008 carries the code as its reason (§6.12). `sessionStatus`,
   * known when a final session is refused, picks SESSION_EXPIRED's message.
   */
  private fail(code: WsErrorCode, closeCode: number, sessionStatus?: string): void {
    if (this.closed) return;
    if (code === 'SESSION_EXPIRED' && sessionStatus !== undefined) {
      this.send({ type: 'error', code, message: terminalSessionMessage(sessionStatus) });
    } else {
      this.error(code);
    }
    this.close(closeCode, closeCode === CLOSE.NORMAL ? undefined : code);
  }

  private close(code: number, reason?: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.socket.readyState === OPEN) this.socket.close(code, reason);
  }

  private send(message: ServerMessage): void {
    if (!this.closed && this.socket.readyState === OPEN) this.socket.send((this.codec ?? this.deps.codecs.text).encode(message));
  }
}

function clamp01(n: number): number {
  return Math.min(1, Math.max(0, n));
}
