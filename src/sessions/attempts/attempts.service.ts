import { Injectable } from '@nestjs/common';
import type { Principal } from '../../auth/principal.js';
import { Clock } from '../../common/clock.js';
import { Page } from '../../common/envelope.js';
import { ApiError } from '../../common/errors/api-error.js';
import { keysetPage } from '../../common/pagination.js';
import { DatabaseService } from '../../database/database.service.js';
import { Session } from '../entities/session.entity.js';
import { AttemptResponse } from './dto/attempt.response.js';
import type { ListAttemptsQuery } from './dto/list-attempts.query.js';
import { Attempt } from './entities/attempt.entity.js';
import { isOpen, SessionLifecycleService } from './session-lifecycle.service.js';

export const attemptsFilterRequired = (): ApiError =>
  ApiError.badRequest(undefined, 'You must provide at least one filter: `session_id` or `status`.', 'sessions/attempts');

@Injectable()
export class AttemptsService {
  constructor(
    private readonly db: DatabaseService,
    private readonly lifecycle: SessionLifecycleService,
    private readonly clock: Clock,
  ) {}

  /** §4.2: newest first, in the caller's organization and environment, after lazy expiry. */
  async list(principal: Principal, query: ListAttemptsQuery): Promise<Page<AttemptResponse>> {
    if (query.session_id === undefined && query.status === undefined) {
      throw attemptsFilterRequired();
    }
    const scope = { organizationId: principal.organizationId, livemode: principal.livemode };
    if (query.session_id !== undefined) {
      const sessionId = query.session_id;
      const session = await this.db.read((m) =>
        m.findOne(Session, { where: { id: sessionId, organizationId: scope.organizationId, livemode: scope.livemode } }),
      );
      if (session && isOpen(session) && session.expiresAt.getTime() <= this.clock.now().getTime()) {
        await this.lifecycle.expireIfOverdue(session.id);
      }
    } else {
      await this.lifecycle.expireOverdueSessions(scope);
    }
    const page = await this.db.read((m) =>
      keysetPage(
        m,
        Attempt,
        'a',
        { limit: query.limit ?? 10, startingAfter: query.starting_after },
        (qb) =>
          qb.where('a.organization_id = :org', { org: scope.organizationId }).andWhere('a.livemode = :livemode', {
            livemode: scope.livemode,
          }),
        {
          filters: (qb) => {
            if (query.session_id !== undefined) qb.andWhere('a.session_id = :sessionId', { sessionId: query.session_id });
            if (query.status !== undefined) qb.andWhere('a.status = :status', { status: query.status });
            return qb;
          },
        },
      ),
    );
    return new Page(page.items.map(AttemptResponse.from), page.pagination);
  }
}
