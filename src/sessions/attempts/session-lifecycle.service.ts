import { Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../../common/clock.js';
import { EntityInsertWriter } from '../../common/entity-insert.js';
import { EntityReader } from '../../common/entity-reader.js';
import { EntityUpdate, placeholders } from '../../common/entity-update.js';
import { newId } from '../../common/ids.js';
import { DatabaseService } from '../../database/database.service.js';
import { directQuery, isSqlTrue } from '../../database/direct-query.js';
import { markers } from '../../database/sql-placeholders.js';
import { EventsService } from '../../events/events.service.js';
import { OPEN_SESSION_STATUSES, Session } from '../entities/session.entity.js';
import { Attempt } from './entities/attempt.entity.js';
import {
  CHECK_FAILURE_CODES,
  MAX_FAILED_ATTEMPTS,
  SESSION_CANCELLED,
  SESSION_EXPIRED,
  type CheckFailureCode,
} from './failure-codes.js';

export const isOpen = (session: Pick<Session, 'status'>): boolean => OPEN_SESSION_STATUSES.includes(session.status);

const OPEN = markers(OPEN_SESSION_STATUSES.length);
const COUNTED_FAILURES = markers(CHECK_FAILURE_CODES.length);

/**
 * Whether any open session of one organization and environment is overdue: one EXISTS per
 * open status, each a range of IDX_sessions_status_expires (status, expires_at <= now)
 * filtered by scope, so it walks the overdue open sessions of every tenant, which the sweeper
 * keeps few; usually none at all. Lazy expiry asks it before every list; the sweep's own
 * query costs 10-20x more even when it finds nothing (`status IN (…)` and its ORDER BY build
 * a sorter per call). Asked by overdueIn(), which gives its parameters.
 */
const OVERDUE_IN_SCOPE = `(${OPEN_SESSION_STATUSES.map(
  () => 'EXISTS (SELECT 1 FROM sessions WHERE status = ? AND expires_at <= ? AND organization_id = ? AND livemode = ?)',
).join(' OR ')})`;

/**
 * The state machine's statements, each written once: TypeORM's builders wrote them anew
 * per call and, on SQLite, put every timestamp into the SQL text, so each transition also
 * prepared new statements (most of the CPU of a cancel under load).
 */
function lifecycleStatements(dataSource: DataSource) {
  const sessionEnd = ['status', 'failureCode', 'completedAt', 'updatedAt'] as const;
  const attemptEnd = ['status', 'failureCode', 'riskScore', 'completedAt', 'updatedAt'] as const;
  return {
    sessionRows: new EntityReader(dataSource, Session),
    attemptInsert: new EntityInsertWriter(dataSource, Attempt),
    /** Ends an open session that is overdue (expire). */
    endOverdue: new EntityUpdate(dataSource, Session, sessionEnd, `id = ? AND status IN (${OPEN}) AND expires_at <= ?`),
    /** Ends an open session whatever its expiry (cancel; a failure at the budget). */
    endOpen: new EntityUpdate(dataSource, Session, sessionEnd, `id = ? AND status IN (${OPEN})`),
    /** Ends an open session that has not expired (success). */
    endOpenInTime: new EntityUpdate(dataSource, Session, sessionEnd, `id = ? AND status IN (${OPEN}) AND expires_at > ?`),
    reopen: new EntityUpdate(dataSource, Session, ['status', 'updatedAt'], `id = ? AND status IN (${OPEN})`),
    start: new EntityUpdate(dataSource, Session, ['status', 'updatedAt'], "id = ? AND status = 'created'"),
    setExpiry: new EntityUpdate(dataSource, Session, ['expiresAt'], 'id = ?'),
    endAttempt: new EntityUpdate(dataSource, Attempt, attemptEnd, "id = ? AND status = 'in_progress'"),
    endOpenAttempts: new EntityUpdate(dataSource, Attempt, sessionEnd, "session_id = ? AND status = 'in_progress'"),
    cancelUnusedAttempts: new EntityUpdate(
      dataSource,
      Attempt,
      sessionEnd,
      "session_id = ? AND id <> ? AND status = 'in_progress' AND handoff_consumed_at IS NULL",
    ),
    lastAttemptAt: placeholders(dataSource, 'SELECT MAX(created_at) AS last FROM attempts WHERE session_id = ?'),
    /** Whether the scope has an overdue open session: overdueIn(). */
    overdueInScope: placeholders(dataSource, `SELECT ${OVERDUE_IN_SCOPE} AS due`),
    countedFailures: placeholders(
      dataSource,
      `SELECT COUNT(*) AS n FROM attempts WHERE session_id = ? AND status = 'failed' AND failure_code IN (${COUNTED_FAILURES})`,
    ),
  };
}

export interface FailOutcome {
  session: Session;
  attempt: Attempt;
  /** Failed attempts that count toward the budget, this one included. */
  failedAttempts: number;
}

/**
 * The lifecycle state machine of §3.8: the only writer of session and attempt statuses.
 * Every transition runs inside a transaction, locks the session row (PostgreSQL; SQLite
 * transactions are serialized already), re-checks the current status with a conditional
 * update, and writes its events in the same transaction, so each session ends with
 * exactly one `verification.session.*` event however requests, sweeper and instances race.
 * The `…In(manager, …)` methods compose inside a caller's transaction.
 */
@Injectable()
export class SessionLifecycleService {
  private readonly sql: ReturnType<typeof lifecycleStatements>;
  private readonly lockTail: string;

  constructor(
    private readonly db: DatabaseService,
    private readonly events: EventsService,
    private readonly clock: Clock,
  ) {
    this.sql = lifecycleStatements(db.dataSource);
    this.lockTail = db.driver === 'postgres' ? 'WHERE id = ? FOR UPDATE' : 'WHERE id = ?';
  }

  /** Loads a session for update: row-locked on PostgreSQL until the transaction ends. */
  async lockSession(manager: EntityManager, sessionId: string): Promise<Session | null> {
    const [session] = await this.sql.sessionRows.select(manager, this.lockTail, [sessionId]);
    return session ?? null;
  }

  /** Expires the session if `expires_at` has passed (§3.7); returns its current state. */
  async expireIfOverdueIn(manager: EntityManager, session: Session, now: Date): Promise<Session> {
    await this.tryExpireIn(manager, session, now);
    return session;
  }

  /** True when this call expired the session; `session` is updated in place either way. */
  private async tryExpireIn(manager: EntityManager, session: Session, now: Date): Promise<boolean> {
    if (!isOpen(session) || session.expiresAt.getTime() > now.getTime()) return false;
    const changed = await this.sql.endOverdue.run(
      manager,
      { status: 'expired', failureCode: SESSION_EXPIRED, completedAt: session.expiresAt, updatedAt: now },
      [session.id, ...OPEN_SESSION_STATUSES, now.getTime()],
    );
    if (changed !== 1) {
      const current = await this.sql.sessionRows.findById(manager, session.id);
      if (!current) throw new Error(`Session ${session.id} disappeared during a transition`);
      Object.assign(session, current);
      return false;
    }
    await this.failOpenAttempts(manager, session.id, SESSION_EXPIRED, now);
    await this.events.record(manager, this.sessionEvent(session, 'verification.session.expired', {}), now);
    Object.assign(session, {
      status: 'expired',
      failureCode: SESSION_EXPIRED,
      completedAt: session.expiresAt,
      updatedAt: now,
    } satisfies Partial<Session>);
    return true;
  }

  /** Moves an open session's expiry to `now` and expires it (the test helper of §7.3). */
  async expireNowIn(manager: EntityManager, session: Session, now: Date): Promise<Session> {
    await this.sql.setExpiry.run(manager, { expiresAt: now }, [session.id]);
    session.expiresAt = now;
    return this.expireIfOverdueIn(manager, session, now);
  }

  /** Lazy expiry for one session, in its own transaction. */
  async expireIfOverdue(sessionId: string): Promise<void> {
    const now = this.clock.now();
    await this.db.transaction(async (m) => {
      const session = await this.lockSession(m, sessionId);
      if (session) await this.expireIfOverdueIn(m, session, now);
    });
  }

  /**
   * Expires every overdue open session (optionally of one organization and environment),
   * each in its own short transaction. Used by the sweeper and before list queries.
   */
  async expireOverdueSessions(scope?: { organizationId: string; livemode: boolean }, batchSize = 200): Promise<number> {
    if (scope && !(await this.anyOverdue(scope))) return 0;
    return this.sweepOverdueSessions(scope, batchSize);
  }

  /**
   * expireOverdueSessions() without its first question, for a caller that has just asked
   * overdueIn() itself: the sweep's query finds whatever is overdue by now either way.
   */
  async sweepOverdueSessions(scope?: { organizationId: string; livemode: boolean }, batchSize = 200): Promise<number> {
    let expired = 0;
    for (;;) {
      const now = this.clock.now();
      // Written once, not built per call: lists come here whenever their scope has overdue sessions.
      const rows = await this.db.read((m) =>
        this.sql.sessionRows.select(
          m,
          `WHERE status IN (${OPEN}) AND expires_at <= ?${scope ? ' AND organization_id = ? AND livemode = ?' : ''} ORDER BY expires_at ASC LIMIT ?`,
          [
            ...OPEN_SESSION_STATUSES,
            now.getTime(),
            ...(scope ? [scope.organizationId, this.sql.sessionRows.value('livemode', scope.livemode)] : []),
            batchSize,
          ],
        ),
      );
      const ids = rows.map((r) => r.id);
      for (const id of ids) {
        await this.db.transaction(async (m) => {
          const session = await this.lockSession(m, id);
          if (session && (await this.tryExpireIn(m, session, now))) expired++;
        });
      }
      if (ids.length < batchSize) return expired;
    }
  }

  /**
   * Whether an open session of the scope is overdue: two index lookups, asked apart from the
   * page a caller reads next (inside a statement of the page, SQLite asked it again for each
   * row: 67 µs against 44 + 5 for the two statements).
   */
  async overdueIn(manager: EntityManager, scope: { organizationId: string; livemode: boolean }): Promise<boolean> {
    const now = this.clock.now().getTime();
    const livemode = this.sql.sessionRows.value('livemode', scope.livemode);
    const parameters = OPEN_SESSION_STATUSES.flatMap((status) => [status, now, scope.organizationId, livemode]);
    const [row] = (await directQuery(manager, this.sql.overdueInScope, parameters)) as Array<{ due: unknown }>;
    return isSqlTrue(row?.due);
  }

  private anyOverdue(scope: { organizationId: string; livemode: boolean }): Promise<boolean> {
    return this.db.read((m) => this.overdueIn(m, scope));
  }

  /**
   * Cancels an open session (§3.5): lazy expiry first; a terminal session is left as it
   * is. Returns whether this call cancelled it.
   */
  async cancelIn(manager: EntityManager, session: Session, now: Date): Promise<boolean> {
    const current = await this.expireIfOverdueIn(manager, session, now);
    if (!isOpen(current)) return false;
    const changed = await this.sql.endOpen.run(
      manager,
      { status: 'cancelled', failureCode: SESSION_CANCELLED, completedAt: now, updatedAt: now },
      [session.id, ...OPEN_SESSION_STATUSES],
    );
    if (changed !== 1) return false;
    await this.failOpenAttempts(manager, session.id, SESSION_CANCELLED, now);
    await this.events.record(manager, this.sessionEvent(session, 'verification.session.cancelled', {}), now);
    Object.assign(session, { status: 'cancelled', failureCode: SESSION_CANCELLED, completedAt: now, updatedAt: now });
    return true;
  }

  /** Starts a new `in_progress` attempt on an open session. */
  async startAttemptIn(manager: EntityManager, session: Session, now: Date, fields: Partial<Attempt> = {}): Promise<Attempt> {
    if (!isOpen(session)) throw new Error(`startAttempt on a ${session.status} session`);
    // Attempts are listed oldest first by created_at; keep it strictly increasing within a
    // session so two attempts started in the same millisecond still list in order.
    const [last] = (await directQuery(manager, this.sql.lastAttemptAt, [session.id])) as Array<{ last: string | number | null }>;
    const createdAt = last?.last != null && Number(last.last) >= now.getTime() ? new Date(Number(last.last) + 1) : now;
    const attempt = Object.assign(new Attempt(), {
      id: newId.attempt(),
      sessionId: session.id,
      organizationId: session.organizationId,
      livemode: session.livemode,
      status: 'in_progress',
      failureCode: null,
      riskScore: 0,
      currentPhase: null,
      phaseUpdatedAt: null,
      handoffSeed: null,
      handoffTokenHash: null,
      handoffIssuedAt: null,
      handoffExpiresAt: null,
      handoffConsumedAt: null,
      deviceIdHash: null,
      appVersion: null,
      connectionLeaseOwner: null,
      connectionLeaseExpiresAt: null,
      completedAt: null,
      createdAt,
      updatedAt: createdAt,
      ...fields,
    } satisfies Attempt);
    await this.sql.attemptInsert.insert(manager, attempt);
    return attempt;
  }

  /**
   * A newer handoff replaces the older ones (§6.3, extension rule of §4.1): every other
   * `in_progress` attempt of the session whose token was never used becomes `cancelled`
   * (no failure code, not counted toward the budget), which voids its token. No event:
   * an unused handoff is not an outcome. Returns how many attempts were cancelled.
   */
  async cancelUnusedAttemptsIn(manager: EntityManager, session: Session, exceptAttemptId: string, now: Date): Promise<number> {
    return this.sql.cancelUnusedAttempts.run(
      manager,
      { status: 'cancelled', failureCode: null, completedAt: now, updatedAt: now },
      [session.id, exceptAttemptId],
    );
  }

  /** Moves a `created` session to `in_progress` (first consumed handoff, §3.8). */
  async markInProgressIn(manager: EntityManager, session: Session, now: Date): Promise<boolean> {
    const changed = await this.sql.start.run(manager, { status: 'in_progress', updatedAt: now }, [session.id]);
    if (changed === 1) Object.assign(session, { status: 'in_progress', updatedAt: now });
    return changed === 1;
  }

  /**
   * The user's share selection was accepted (§6.10): the attempt and the session succeed,
   * with `verification.attempt.succeeded` + `verification.session.succeeded`.
   */
  async succeedAttemptIn(
    manager: EntityManager,
    session: Session,
    attempt: Attempt,
    selection: { keys: string[]; claims: Record<string, unknown>; riskScore: number },
    now: Date,
  ): Promise<boolean> {
    const attemptDone = await this.sql.endAttempt.run(
      manager,
      { status: 'succeeded', failureCode: null, riskScore: selection.riskScore, completedAt: now, updatedAt: now },
      [attempt.id],
    );
    if (attemptDone !== 1) return false;
    const sessionDone = await this.sql.endOpenInTime.run(
      manager,
      { status: 'succeeded', failureCode: null, completedAt: now, updatedAt: now },
      [session.id, ...OPEN_SESSION_STATUSES, now.getTime()],
    );
    if (sessionDone !== 1) throw new Error('Session left the open statuses during a locked transition');
    const data = { claims: selection.claims, selected_field_keys: selection.keys };
    await this.events.record(manager, this.attemptEvent(session, attempt, 'verification.attempt.succeeded', data), now);
    await this.events.record(manager, this.sessionEvent(session, 'verification.session.succeeded', data, attempt.id), now);
    Object.assign(attempt, { status: 'succeeded', failureCode: null, riskScore: selection.riskScore, completedAt: now, updatedAt: now });
    Object.assign(session, { status: 'succeeded', failureCode: null, completedAt: now, updatedAt: now });
    return true;
  }

  /**
   * An attempt failed a check (§4.4): the attempt fails with its code; below the budget
   * the session goes back to `created`, at the budget it fails with the same code.
   */
  async failAttemptIn(
    manager: EntityManager,
    session: Session,
    attempt: Attempt,
    failure: { code: CheckFailureCode; riskScore: number },
    now: Date,
  ): Promise<FailOutcome | null> {
    const attemptDone = await this.sql.endAttempt.run(
      manager,
      { status: 'failed', failureCode: failure.code, riskScore: failure.riskScore, completedAt: now, updatedAt: now },
      [attempt.id],
    );
    if (attemptDone !== 1) return null;
    Object.assign(attempt, { status: 'failed', failureCode: failure.code, riskScore: failure.riskScore, completedAt: now, updatedAt: now });
    const failedAttempts = await this.countFailedAttempts(manager, session.id);
    await this.events.record(
      manager,
      this.attemptEvent(session, attempt, 'verification.attempt.failed', { failure_code: failure.code }),
      now,
    );
    const exhausted = failedAttempts >= MAX_FAILED_ATTEMPTS;
    const changed = exhausted
      ? await this.sql.endOpen.run(
          manager,
          { status: 'failed', failureCode: failure.code, completedAt: now, updatedAt: now },
          [session.id, ...OPEN_SESSION_STATUSES],
        )
      : await this.sql.reopen.run(manager, { status: 'created', updatedAt: now }, [session.id, ...OPEN_SESSION_STATUSES]);
    if (changed !== 1) throw new Error('Session left the open statuses during a locked transition');
    if (exhausted) {
      Object.assign(session, { status: 'failed', failureCode: failure.code, completedAt: now, updatedAt: now });
      await this.events.record(
        manager,
        this.sessionEvent(session, 'verification.session.failed', { failure_code: failure.code, failed_attempts: failedAttempts }, attempt.id),
        now,
      );
    } else {
      Object.assign(session, { status: 'created', updatedAt: now });
    }
    return { session, attempt, failedAttempts };
  }

  /** Check failures that count toward the budget (§4.4). */
  async countFailedAttempts(manager: EntityManager, sessionId: string): Promise<number> {
    const [row] = (await directQuery(manager, this.sql.countedFailures, [sessionId, ...CHECK_FAILURE_CODES])) as Array<{ n: number | string }>;
    return Number(row.n);
  }

  private async failOpenAttempts(manager: EntityManager, sessionId: string, code: string, now: Date): Promise<void> {
    await this.sql.endOpenAttempts.run(manager, { status: 'failed', failureCode: code, completedAt: now, updatedAt: now }, [sessionId]);
  }

  private sessionEvent(
    session: Session,
    type: 'verification.session.succeeded' | 'verification.session.failed' | 'verification.session.expired' | 'verification.session.cancelled',
    data: Record<string, unknown>,
    attemptId?: string,
  ) {
    return {
      type,
      organizationId: session.organizationId,
      livemode: session.livemode,
      sessionId: session.id,
      attemptId,
      contractVersion: session.contractVersion,
      data,
    };
  }

  private attemptEvent(
    session: Session,
    attempt: Attempt,
    type: 'verification.attempt.succeeded' | 'verification.attempt.failed',
    data: Record<string, unknown>,
  ) {
    return { ...this.sessionEvent(session, type as never, data, attempt.id), type };
  }

}
