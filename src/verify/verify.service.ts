import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Attempt } from '../sessions/attempts/entities/attempt.entity.js';
import { MAX_FAILED_ATTEMPTS } from '../sessions/attempts/failure-codes.js';
import { isOpen, SessionLifecycleService } from '../sessions/attempts/session-lifecycle.service.js';
import { Clock } from '../common/clock.js';
import { hmacHex, safeEqual } from '../common/crypto.js';
import { PublicApiError } from '../common/errors/api-error.js';
import { newId, randomToken, SESSION_ID_PATTERN } from '../common/ids.js';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { DatabaseService } from '../database/database.service.js';
import { Organization } from '../organizations/entities/organization.entity.js';
import { Session } from '../sessions/entities/session.entity.js';
import { shareRequestFields } from '../sessions/share-contract/index.js';
import type { HandoffResponse } from './dto/handoff.response.js';
import type { VerifyLatestAttempt, VerifyStatusResponse } from './dto/verify-status.response.js';
import { deriveHandoffToken, HANDOFF_REUSE_WINDOW_MS, HANDOFF_TOKEN_TTL_MS, websocketUrlFor } from './handoff.js';
import { PublicErrors } from '../common/errors/public-errors.js';

/** The public, key-less reads and writes of the verify flow (§6.3, §6.4). Sessions of both environments. */
@Injectable()
export class VerifyService {
  constructor(
    private readonly db: DatabaseService,
    private readonly lifecycle: SessionLifecycleService,
    private readonly clock: Clock,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {}

  /**
   * Handoff (§6.3), checks in the contract's order. Within the reuse window the newest
   * unused handoff is returned again, so reloading the page does not multiply attempts;
   * otherwise a new attempt replaces every unused one.
   */
  async handoff(sessionId: string): Promise<HandoffResponse> {
    if (!SESSION_ID_PATTERN.test(sessionId)) throw PublicErrors.invalidSessionId();
    // Refusals are returned rather than thrown inside the transaction, so that a lazy
    // expiry performed on the way commits (with its event) instead of rolling back.
    const outcome = await this.db.transaction(async (m): Promise<HandoffResponse | PublicApiError> => {
      const session = await this.lifecycle.lockSession(m, sessionId);
      if (!session) return PublicErrors.sessionNotFound();
      const now = this.clock.now();
      await this.lifecycle.expireIfOverdueIn(m, session, now);
      if (!isOpen(session)) return PublicErrors.sessionExpired();
      if (!session.livemode) return PublicErrors.testModeSession();
      if (session.status === 'in_progress') return PublicErrors.sessionInProgress();

      const newest = await this.latestAttempt(m, session.id);
      const reusedToken = newest ? this.reusableToken(newest, now) : null;
      if (newest && reusedToken) return this.toHandoff(session, newest, reusedToken);

      const attemptId = newId.attempt();
      const seed = randomToken(64);
      const token = deriveHandoffToken(this.config.serverSecret, session.id, attemptId, now, seed);
      await this.lifecycle.cancelUnusedAttemptsIn(m, session, attemptId, now);
      const attempt = await this.lifecycle.startAttemptIn(m, session, now, {
        id: attemptId,
        handoffSeed: seed,
        handoffTokenHash: hmacHex(this.config.serverSecret, token),
        handoffIssuedAt: now,
        handoffExpiresAt: new Date(now.getTime() + HANDOFF_TOKEN_TTL_MS),
      });
      return this.toHandoff(session, attempt, token);
    });
    if (outcome instanceof PublicApiError) throw outcome;
    return outcome;
  }

  /** Public status (§6.4), after lazy expiry. */
  async status(sessionId: string): Promise<VerifyStatusResponse> {
    const found = await this.findSession(sessionId);
    if (isOpen(found) && found.expiresAt.getTime() <= this.clock.now().getTime()) {
      await this.lifecycle.expireIfOverdue(sessionId);
    }
    return this.db.read(async (m) => {
      const session = await m.findOneByOrFail(Session, { id: sessionId });
      const organization = await m.findOneBy(Organization, { id: session.organizationId });
      const latest = await this.latestAttempt(m, session.id);
      const failed = await this.lifecycle.countFailedAttempts(m, session.id);
      return {
        session_id: session.id,
        status: session.status,
        is_terminal: !isOpen(session),
        completed_at: session.completedAt?.toISOString() ?? null,
        redirect_url: session.redirectUrl,
        latest_attempt: latest ? toLatestAttempt(latest) : null,
        failure_code: session.failureCode,
        expires_at: session.expiresAt.toISOString(),
        livemode: session.livemode,
        organization_name: organization?.name ?? '',
        attempts_remaining: Math.max(0, MAX_FAILED_ATTEMPTS - failed),
        requested_fields: shareRequestFields(session.shareFields),
      };
    });
  }

  /** The session with this id, of either environment; the §6.2 errors otherwise. No expiry. */
  async findSession(sessionId: string): Promise<Session> {
    if (!SESSION_ID_PATTERN.test(sessionId)) throw PublicErrors.invalidSessionId();
    const session = await this.db.read((m) => m.findOneBy(Session, { id: sessionId }));
    if (!session) throw PublicErrors.sessionNotFound();
    return session;
  }

  private latestAttempt(m: EntityManager, sessionId: string): Promise<Attempt | null> {
    return m.findOne(Attempt, { where: { sessionId }, order: { createdAt: 'DESC', id: 'DESC' } });
  }

  /**
   * The token of `attempt` when it may be handed out again (§6.3): still `in_progress`,
   * never used, issued at most 60 s ago and not expired. Re-derived from the stored seed
   * and checked against the stored hash (a changed SERVER_SECRET simply means a new handoff).
   */
  private reusableToken(attempt: Attempt, now: Date): string | null {
    const { handoffSeed, handoffIssuedAt, handoffExpiresAt, handoffTokenHash } = attempt;
    if (attempt.status !== 'in_progress' || attempt.handoffConsumedAt) return null;
    if (!handoffSeed || !handoffIssuedAt || !handoffExpiresAt || !handoffTokenHash) return null;
    const age = now.getTime() - handoffIssuedAt.getTime();
    if (age < 0 || age > HANDOFF_REUSE_WINDOW_MS || handoffExpiresAt.getTime() <= now.getTime()) return null;
    const token = deriveHandoffToken(this.config.serverSecret, attempt.sessionId, attempt.id, handoffIssuedAt, handoffSeed);
    return safeEqual(hmacHex(this.config.serverSecret, token), handoffTokenHash) ? token : null;
  }

  private toHandoff(session: Session, attempt: Attempt, token: string): HandoffResponse {
    return {
      v: 1,
      session_id: session.id,
      attempt_id: attempt.id,
      mobile_write_token: token,
      expires_at: attempt.handoffExpiresAt!.toISOString(),
      websocket_url: websocketUrlFor(this.config.publicBaseUrl, session.id),
    };
  }
}

function toLatestAttempt(attempt: Attempt): VerifyLatestAttempt {
  return {
    id: attempt.id,
    status: attempt.status,
    failure_code: attempt.failureCode,
    completed_at: attempt.completedAt?.toISOString() ?? null,
    phase: attempt.currentPhase,
  };
}
