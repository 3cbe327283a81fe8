import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Attempt } from './attempts/entities/attempt.entity.js';
import { isOpen, SessionLifecycleService } from './attempts/session-lifecycle.service.js';
import type { Principal } from '../auth/principal.js';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { Clock } from '../common/clock.js';
import { EntityReader } from '../common/entity-reader.js';
import { EntityInsertWriter } from '../common/entity-insert.js';
import { EntityUpdate } from '../common/entity-update.js';
import { hmacHex, safeEqual } from '../common/crypto.js';
import { Page } from '../common/envelope.js';
import { ApiError } from '../common/errors/api-error.js';
import { newId, SESSION_ID_PATTERN } from '../common/ids.js';
import { keysetPage, keysetPageOf } from '../common/pagination.js';
import { assertClientUrl } from '../common/url-policy.js';
import { DatabaseService } from '../database/database.service.js';
import { markers } from '../database/sql-placeholders.js';
import { PublicErrors } from '../common/errors/public-errors.js';
import { shareContractError, type CreateSessionDto } from './dto/create-session.dto.js';
import { SessionResponse, UNSHOWN_SESSION_PROPERTIES, type CreatedSessionResponse, type ShownSession } from './dto/session.response.js';
import type { ListSessionsQuery } from './dto/session.query.js';
import { Session } from './entities/session.entity.js';
import { checkShareFieldsSemantics, normalizeShareFields } from './share-contract/index.js';

export const DEFAULT_EXPIRES_IN_S = 3600;
export const CONTRACT_VERSION = 1;

export const sessionNotFound = (docsAnchor: 'get-by-id' | 'cancel-by-id'): ApiError =>
  ApiError.notFound('Session not found.', 'The session with the given ID was not found.', `sessions#${docsAnchor}`);

@Injectable()
export class SessionsService {
  private readonly sessionRows: EntityReader<Session>;
  /** Only the columns a response shows: a page reads them on every row. */
  private readonly shownRows: EntityReader<Session, (typeof UNSHOWN_SESSION_PROPERTIES)[number]>;
  private readonly sessionInsert: EntityInsertWriter<Session>;
  private readonly attemptRows: EntityReader<Attempt>;
  private readonly useCancelToken: EntityUpdate<Session, 'cancelTokenUsedAt'>;

  constructor(
    private readonly db: DatabaseService,
    private readonly lifecycle: SessionLifecycleService,
    private readonly clock: Clock,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {
    this.sessionRows = new EntityReader(db.dataSource, Session);
    this.shownRows = new EntityReader(db.dataSource, Session, UNSHOWN_SESSION_PROPERTIES);
    this.sessionInsert = new EntityInsertWriter(db.dataSource, Session);
    this.attemptRows = new EntityReader(db.dataSource, Attempt);
    this.useCancelToken = new EntityUpdate(db.dataSource, Session, ['cancelTokenUsedAt'], 'id = ?');
  }

  async create(principal: Principal, dto: CreateSessionDto, includeAttempts: boolean): Promise<CreatedSessionResponse> {
    // Other body errors win over the share contract's stage 2 (§3.6.4).
    if (dto.redirect_url != null) assertClientUrl('redirect_url', dto.redirect_url, this.config.isProduction);
    if (dto.share_fields !== undefined) {
      const violation = checkShareFieldsSemantics(dto.share_fields);
      if (violation) throw shareContractError(violation);
    }
    const now = this.clock.now();
    const cancelToken = newId.cancelToken();
    const session = Object.assign(new Session(), {
      id: newId.session(),
      organizationId: principal.organizationId,
      livemode: principal.livemode,
      status: 'created',
      failureCode: null,
      contractVersion: CONTRACT_VERSION,
      shareFields: normalizeShareFields(dto.share_fields),
      redirectUrl: dto.redirect_url ?? null,
      cancelTokenHash: this.hashToken(cancelToken),
      cancelTokenUsedAt: null,
      expiresAt: new Date(now.getTime() + (dto.expires_in ?? DEFAULT_EXPIRES_IN_S) * 1000),
      completedAt: null,
      createdAt: now,
      updatedAt: now,
    } satisfies Session);
    // Every column is set, so the insert is one statement whose commit may be shared (group commit).
    const insert = this.sessionInsert.statementFor(session);
    if (insert) await this.db.writeStatement(insert.sql, insert.values);
    else await this.db.write((m) => this.sessionInsert.insert(m, session));
    return SessionResponse.from(session, {
      verifyBaseUrl: this.config.verifyBaseUrl,
      cancelToken,
      attempts: includeAttempts ? [] : undefined,
    }) as CreatedSessionResponse;
  }

  /** One session of the caller's organization and environment, after lazy expiry. */
  async get(principal: Principal, id: string, includeAttempts: boolean): Promise<SessionResponse> {
    const session = await this.findVisible(principal, id, 'get-by-id');
    return this.toResponse(session, includeAttempts);
  }

  async list(principal: Principal, query: ListSessionsQuery): Promise<Page<SessionResponse>> {
    const scope = { organizationId: principal.organizationId, livemode: principal.livemode };
    const limit = query.limit ?? 10;
    const firstUnfiltered = query.starting_after === undefined && !query.status && !query.created_from && !query.created_to;
    let page: Page<ShownSession>;
    if (firstUnfiltered) {
      // Lazy expiry (§3.7): the scope is swept only when it has an overdue session.
      const first = await this.db.read(async (m) => ((await this.lifecycle.overdueIn(m, scope)) ? null : this.firstPage(m, scope, limit)));
      if (first) {
        page = first;
      } else {
        await this.lifecycle.sweepOverdueSessions(scope);
        page = await this.db.read((m) => this.firstPage(m, scope, limit));
      }
    } else {
      await this.lifecycle.expireOverdueSessions(scope);
      page = await this.db.read((m) =>
        keysetPage(
          m,
          Session,
          's',
          { limit, startingAfter: query.starting_after },
          (qb) =>
            qb.where('s.organization_id = :org', { org: scope.organizationId }).andWhere('s.livemode = :livemode', {
              livemode: scope.livemode,
            }),
          {
            filters: (qb) => {
              if (query.status) qb.andWhere('s.status = :status', { status: query.status });
              if (query.created_from) qb.andWhere('s.created_at >= :from', { from: query.created_from.getTime() });
              if (query.created_to) qb.andWhere('s.created_at <= :to', { to: query.created_to.getTime() });
              return qb;
            },
          },
        ),
      );
    }
    const attempts = query.include_attempts ? await this.attemptsBySession(page.items.map((s) => s.id)) : null;
    return new Page(
      page.items.map((s) =>
        SessionResponse.from(s, { verifyBaseUrl: this.config.verifyBaseUrl, attempts: attempts ? (attempts.get(s.id) ?? []) : undefined }),
      ),
      page.pagination,
    );
  }

  /**
   * The first page without filters, the list every dashboard polls: keysetPage's query,
   * written once (the query builder's per-call cost was most of a list's CPU).
   */
  private async firstPage(m: EntityManager, scope: { organizationId: string; livemode: boolean }, limit: number): Promise<Page<ShownSession>> {
    const rows = await this.shownRows.select(m, 'WHERE organization_id = ? AND livemode = ? ORDER BY created_at DESC, id DESC LIMIT ?', [
      scope.organizationId,
      this.shownRows.value('livemode', scope.livemode),
      limit + 1,
    ]);
    return keysetPageOf(rows, limit);
  }

  /** API cancel (§3.5): idempotent on terminal sessions. */
  async cancel(principal: Principal, id: string): Promise<void> {
    await this.db.transaction(async (m) => {
      const session = await this.lifecycle.lockSession(m, id);
      if (!session || !this.isVisible(principal, session)) throw sessionNotFound('cancel-by-id');
      await this.lifecycle.cancelIn(m, session, this.clock.now());
    });
  }

  /** Public cancel with the session's `cancel_token` (§6.4), checks in the contract's order. */
  async cancelWithToken(id: string, body: unknown): Promise<void> {
    if (!SESSION_ID_PATTERN.test(id)) throw PublicErrors.invalidSessionId();
    await this.db.transaction(async (m) => {
      const session = await this.lifecycle.lockSession(m, id);
      if (!session) throw PublicErrors.sessionNotFound();
      const token = readCancelToken(body);
      if (token === null) throw PublicErrors.badRequest('cancel_token');
      if (!safeEqual(this.hashToken(token), session.cancelTokenHash)) throw PublicErrors.cancelTokenInvalid();
      if (session.cancelTokenUsedAt) throw PublicErrors.cancelTokenConsumed();
      const now = this.clock.now();
      if (await this.lifecycle.cancelIn(m, session, now)) {
        await this.useCancelToken.run(m, { cancelTokenUsedAt: now }, [id]);
      }
    });
  }

  /** The session if the caller may see it, expired first when overdue; else 404. */
  async findVisible(principal: Principal, id: string, docsAnchor: 'get-by-id' | 'cancel-by-id'): Promise<Session> {
    let session = await this.db.read((m) => this.sessionRows.findById(m, id));
    if (!session || !this.isVisible(principal, session)) throw sessionNotFound(docsAnchor);
    if (isOpen(session) && session.expiresAt.getTime() <= this.clock.now().getTime()) {
      await this.lifecycle.expireIfOverdue(id);
      const current = await this.db.read((m) => this.sessionRows.findById(m, id));
      if (!current) throw sessionNotFound(docsAnchor);
      session = current;
    }
    return session;
  }

  async toResponse(session: Session, includeAttempts: boolean): Promise<SessionResponse> {
    const attempts = includeAttempts ? ((await this.attemptsBySession([session.id])).get(session.id) ?? []) : undefined;
    return SessionResponse.from(session, { verifyBaseUrl: this.config.verifyBaseUrl, attempts });
  }

  toResponseWith(session: Session, attempts: Attempt[]): SessionResponse {
    return SessionResponse.from(session, { verifyBaseUrl: this.config.verifyBaseUrl, attempts });
  }

  isVisible(principal: Principal, session: Session): boolean {
    return session.organizationId === principal.organizationId && session.livemode === principal.livemode;
  }

  /** Attempts of the given sessions, oldest first (§1.7). */
  async attemptsBySession(sessionIds: string[], manager?: EntityManager): Promise<Map<string, Attempt[]>> {
    const bySession = new Map<string, Attempt[]>();
    if (sessionIds.length === 0) return bySession;
    const tail = `WHERE session_id IN (${markers(sessionIds.length)}) ORDER BY created_at ASC, id ASC`;
    const load = (m: EntityManager) => this.attemptRows.select(m, tail, sessionIds);
    const rows = manager ? await load(manager) : await this.db.read(load);
    for (const row of rows) {
      const list = bySession.get(row.sessionId) ?? [];
      list.push(row);
      bySession.set(row.sessionId, list);
    }
    return bySession;
  }

  private hashToken(token: string): string {
    return hmacHex(this.config.serverSecret, token);
  }
}

function readCancelToken(body: unknown): string | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== 'cancel_token') return null;
  const token = (body as { cancel_token: unknown }).cancel_token;
  return typeof token === 'string' && token.length > 0 && token.length <= 256 ? token : null;
}
