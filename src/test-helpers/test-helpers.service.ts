import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { isOpen, SessionLifecycleService } from '../sessions/attempts/session-lifecycle.service.js';
import type { CheckFailureCode } from '../sessions/attempts/failure-codes.js';
import type { Principal } from '../auth/principal.js';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { Clock } from '../common/clock.js';
import { checkShareSelection, SHARE_SELECTION_MESSAGES } from '../sessions/share-contract/index.js';
import { ApiError } from '../common/errors/api-error.js';
import { DatabaseService } from '../database/database.service.js';
import type { SessionResponse } from '../sessions/dto/session.response.js';
import { Session } from '../sessions/entities/session.entity.js';
import { sessionNotFound, SessionsService } from '../sessions/sessions.service.js';
import { testIdentityClaims } from './test-identity.js';

export const sessionTerminal = (): ApiError =>
  new ApiError(
    409,
    'SESSION_TERMINAL',
    'Session is already in a terminal state.',
    'Test helpers only act on sessions whose status is created or in_progress.',
    'test-helpers',
  );

/** Drives test sessions through the real state machine (§7.3). */
@Injectable()
export class TestHelpersService {
  constructor(
    private readonly db: DatabaseService,
    private readonly lifecycle: SessionLifecycleService,
    private readonly sessions: SessionsService,
    private readonly clock: Clock,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {}

  succeed(principal: Principal, id: string, selected: string[] | undefined): Promise<SessionResponse> {
    return this.onOpenSession(principal, id, async (m, session, now) => {
      const selection = checkShareSelection(session.shareFields, selected ?? Object.keys(session.shareFields));
      if (!selection.ok) {
        throw new ApiError(
          400,
          selection.code,
          SHARE_SELECTION_MESSAGES[selection.code],
          "Review selected_field_keys against the session's share_fields.",
          'test-helpers',
        );
      }
      const claims = testIdentityClaims(selection.keys, {
        serverSecret: this.config.serverSecret,
        organizationId: session.organizationId,
        now,
      });
      const attempt = await this.lifecycle.startAttemptIn(m, session, now);
      await this.lifecycle.succeedAttemptIn(m, session, attempt, { keys: selection.keys, claims, riskScore: 0 }, now);
    });
  }

  fail(principal: Principal, id: string, code: CheckFailureCode | undefined): Promise<SessionResponse> {
    return this.onOpenSession(principal, id, async (m, session, now) => {
      const attempt = await this.lifecycle.startAttemptIn(m, session, now);
      await this.lifecycle.failAttemptIn(m, session, attempt, { code: code ?? 'document_authenticity_failed', riskScore: 1 }, now);
    });
  }

  expire(principal: Principal, id: string): Promise<SessionResponse> {
    return this.onOpenSession(principal, id, async (m, session, now) => {
      await this.lifecycle.expireNowIn(m, session, now);
    });
  }

  /** Locks a visible session, applies lazy expiry, refuses terminal ones, runs `work`. */
  private async onOpenSession(
    principal: Principal,
    id: string,
    work: (m: EntityManager, session: Session, now: Date) => Promise<void>,
  ): Promise<SessionResponse> {
    const response = await this.db.transaction(async (m) => {
      const now = this.clock.now();
      const session = await this.lifecycle.lockSession(m, id);
      if (!session || !this.sessions.isVisible(principal, session)) throw sessionNotFound('get-by-id');
      await this.lifecycle.expireIfOverdueIn(m, session, now);
      // Return instead of throwing: a throw would roll back the lazy expiry just applied.
      if (!isOpen(session)) return null;
      await work(m, session, now);
      const attempts = (await this.sessions.attemptsBySession([session.id], m)).get(session.id) ?? [];
      return this.sessions.toResponseWith(session, attempts);
    });
    if (!response) throw sessionTerminal();
    return response;
  }
}
