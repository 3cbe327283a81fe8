import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Attempt } from '../../sessions/attempts/entities/attempt.entity.js';
import type { CheckFailureCode } from '../../sessions/attempts/failure-codes.js';
import { MAX_FAILED_ATTEMPTS } from '../../sessions/attempts/failure-codes.js';
import { isOpen, SessionLifecycleService } from '../../sessions/attempts/session-lifecycle.service.js';
import { appConfig, type AppConfig } from '../../config/app.config.js';
import { Clock } from '../../common/clock.js';
import { hmacHex, safeEqual } from '../../common/crypto.js';
import { SESSION_ID_PATTERN } from '../../common/ids.js';
import { DatabaseService } from '../../database/database.service.js';
import { Session, type SessionStatus } from '../../sessions/entities/session.entity.js';
import { resumePhase } from './phases.js';

/** How long a socket's claim on an attempt lasts without renewal (§6.6). */
export const CONNECTION_LEASE_MS = 30_000;

export type SessionGateCode = 'INVALID_SESSION_ID' | 'SESSION_NOT_FOUND' | 'SESSION_EXPIRED' | 'TEST_MODE_SESSION';
export type HelloErrorCode =
  | 'ATTEMPT_NOT_FOUND'
  | 'HANDOFF_TOKEN_INVALID'
  | 'HANDOFF_TOKEN_CONSUMED'
  | 'HANDOFF_DEVICE_MISMATCH'
  | 'HANDOFF_TOKEN_EXPIRED'
  | 'ATTEMPT_CONNECTION_ACTIVE'
  | 'SESSION_EXPIRED';

export type HelloResult =
  | { ok: true; resumed: boolean; phase: string | null }
  | { ok: false; code: HelloErrorCode; status?: SessionStatus };

/** The database side of the mobile protocol; each step is one short transaction. */
@Injectable()
export class MobileFlowService {
  constructor(
    private readonly db: DatabaseService,
    private readonly lifecycle: SessionLifecycleService,
    private readonly clock: Clock,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {}

  /** The checks on connection (§6.5): a usable, live, non-terminal session. */
  async gate(
    sessionId: string,
  ): Promise<{ ok: true; session: Session } | { ok: false; code: SessionGateCode; status?: SessionStatus }> {
    if (!SESSION_ID_PATTERN.test(sessionId)) return { ok: false, code: 'INVALID_SESSION_ID' };
    const session = await this.currentSession(sessionId);
    if (!session) return { ok: false, code: 'SESSION_NOT_FOUND' };
    if (!isOpen(session)) return { ok: false, code: 'SESSION_EXPIRED', status: session.status };
    if (!session.livemode) return { ok: false, code: 'TEST_MODE_SESSION' };
    return { ok: true, session };
  }

  /** The session after lazy expiry, or null. */
  async currentSession(sessionId: string): Promise<Session | null> {
    const session = await this.db.read((m) => m.findOne(Session, { where: { id: sessionId } }));
    if (session && isOpen(session) && session.expiresAt.getTime() <= this.clock.now().getTime()) {
      await this.lifecycle.expireIfOverdue(sessionId);
      return this.db.read((m) => m.findOne(Session, { where: { id: sessionId } }));
    }
    return session;
  }

  /** `hello` (§6.6): checks in order, then consume (first use) or resume, and take the lease. */
  async hello(
    sessionId: string,
    input: { attemptId: string; token: string; deviceId: string; appVersion: string | null },
    owner: string,
  ): Promise<HelloResult> {
    return this.db.transaction(async (m) => {
      const now = this.clock.now();
      const session = await this.lifecycle.lockSession(m, sessionId);
      if (!session) return { ok: false, code: 'ATTEMPT_NOT_FOUND' };
      await this.lifecycle.expireIfOverdueIn(m, session, now);
      if (!isOpen(session)) return { ok: false, code: 'SESSION_EXPIRED', status: session.status };
      const attempt = await m.findOne(Attempt, { where: { id: input.attemptId } });
      if (!attempt || attempt.sessionId !== session.id || attempt.status !== 'in_progress') {
        return { ok: false, code: 'ATTEMPT_NOT_FOUND' };
      }
      if (!attempt.handoffTokenHash || !safeEqual(this.hash(input.token), attempt.handoffTokenHash)) {
        return { ok: false, code: 'HANDOFF_TOKEN_INVALID' };
      }
      const deviceHash = this.hash(input.deviceId);
      const consumed = attempt.handoffConsumedAt !== null;
      if (consumed) {
        if (!attempt.deviceIdHash) return { ok: false, code: 'HANDOFF_TOKEN_CONSUMED' };
        if (!safeEqual(deviceHash, attempt.deviceIdHash)) return { ok: false, code: 'HANDOFF_DEVICE_MISMATCH' };
      } else if (!attempt.handoffExpiresAt || attempt.handoffExpiresAt.getTime() <= now.getTime()) {
        return { ok: false, code: 'HANDOFF_TOKEN_EXPIRED' };
      }
      const leaseHeld =
        attempt.connectionLeaseOwner !== null &&
        attempt.connectionLeaseOwner !== owner &&
        (attempt.connectionLeaseExpiresAt?.getTime() ?? 0) > now.getTime();
      if (leaseHeld) return { ok: false, code: 'ATTEMPT_CONNECTION_ACTIVE' };

      const lease = { connectionLeaseOwner: owner, connectionLeaseExpiresAt: new Date(now.getTime() + CONNECTION_LEASE_MS) };
      if (!consumed) {
        await m.update(
          Attempt,
          { id: attempt.id },
          {
            handoffConsumedAt: now,
            deviceIdHash: deviceHash,
            appVersion: input.appVersion,
            currentPhase: 'mobile_connected',
            phaseUpdatedAt: now,
            updatedAt: now,
            ...lease,
          },
        );
        await this.lifecycle.markInProgressIn(m, session, now);
        return { ok: true, resumed: false, phase: 'mobile_connected' };
      }
      const phase = resumePhase(attempt.currentPhase);
      await m.update(
        Attempt,
        { id: attempt.id },
        {
          ...lease,
          ...(phase !== attempt.currentPhase ? { currentPhase: phase, phaseUpdatedAt: now, updatedAt: now } : {}),
          ...(input.appVersion ? { appVersion: input.appVersion } : {}),
        },
      );
      return { ok: true, resumed: true, phase };
    });
  }

  /** Keeps the socket's claim on the attempt; false when it was lost. */
  async renewLease(attemptId: string, owner: string): Promise<boolean> {
    const now = this.clock.now();
    const result = await this.db.transaction((m) =>
      m
        .createQueryBuilder()
        .update(Attempt)
        .set({ connectionLeaseExpiresAt: new Date(now.getTime() + CONNECTION_LEASE_MS) })
        .where('id = :id', { id: attemptId })
        .andWhere('connection_lease_owner = :owner', { owner })
        .execute(),
    );
    return result.affected === 1;
  }

  /** On close: the same device may resume at once (§6.6). */
  async releaseLease(attemptId: string, owner: string): Promise<void> {
    await this.db.transaction((m) =>
      m
        .createQueryBuilder()
        .update(Attempt)
        .set({ connectionLeaseOwner: null, connectionLeaseExpiresAt: null })
        .where('id = :id', { id: attemptId })
        .andWhere('connection_lease_owner = :owner', { owner })
        .execute(),
    );
  }

  async setPhase(attemptId: string, phase: string): Promise<void> {
    const now = this.clock.now();
    await this.db.transaction((m) =>
      m.update(Attempt, { id: attemptId, status: 'in_progress' }, { currentPhase: phase, phaseUpdatedAt: now, updatedAt: now }),
    );
  }

  /** A failed check (§6.9): the attempt fails in one transaction with its events. */
  async failAttempt(
    sessionId: string,
    attemptId: string,
    code: CheckFailureCode,
    riskScore: number,
  ): Promise<{ sessionTerminal: boolean; remainingAttempts: number } | null> {
    return this.db.transaction(async (m) => {
      const context = await this.lockOpen(m, sessionId, attemptId);
      if (!context) return null;
      const outcome = await this.lifecycle.failAttemptIn(m, context.session, context.attempt, { code, riskScore }, this.clock.now());
      if (!outcome) return null;
      return {
        sessionTerminal: !isOpen(outcome.session),
        remainingAttempts: Math.max(0, MAX_FAILED_ATTEMPTS - outcome.failedAttempts),
      };
    });
  }

  /** The accepted share selection (§6.10): attempt and session succeed, events written. */
  async succeed(
    sessionId: string,
    attemptId: string,
    selection: { keys: string[]; claims: Record<string, unknown>; riskScore: number },
  ): Promise<boolean> {
    return this.db.transaction(async (m) => {
      const context = await this.lockOpen(m, sessionId, attemptId);
      if (!context) return false;
      return this.lifecycle.succeedAttemptIn(m, context.session, context.attempt, selection, this.clock.now());
    });
  }

  private async lockOpen(m: EntityManager, sessionId: string, attemptId: string): Promise<{ session: Session; attempt: Attempt } | null> {
    const now = this.clock.now();
    const session = await this.lifecycle.lockSession(m, sessionId);
    if (!session) return null;
    await this.lifecycle.expireIfOverdueIn(m, session, now);
    if (!isOpen(session)) return null;
    const attempt = await m.findOne(Attempt, { where: { id: attemptId, sessionId, status: 'in_progress' } });
    return attempt ? { session, attempt } : null;
  }

  private hash(value: string): string {
    return hmacHex(this.config.serverSecret, value);
  }
}
