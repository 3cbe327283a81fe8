import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../auth/principal.js';
import { Clock } from '../common/clock.js';
import { Page } from '../common/envelope.js';
import { ApiError } from '../common/errors/api-error.js';
import { keysetPage } from '../common/pagination.js';
import { DatabaseService } from '../database/database.service.js';
import { EventResponse } from './dto/event.response.js';
import type { ListEventsQuery } from './dto/list-events.query.js';
import { Event } from './entities/event.entity.js';
import { EventDeliveries } from './event-deliveries.js';

export const eventNotFound = (anchor: 'get-by-id' | 'replay'): ApiError =>
  ApiError.notFound('Webhook event not found.', 'The webhook event with the given ID was not found.', `webhooks/events#${anchor}`);

export const eventNotReplayable = (): ApiError =>
  ApiError.conflict(
    'Webhook event cannot be replayed.',
    'Only webhook events with deliveries can be replayed.',
    'webhooks/events#replay',
  );

/** The events API (§5.9): reads, and replay through the delivery engine's port. */
@Injectable()
export class EventsQueryService {
  constructor(
    private readonly db: DatabaseService,
    private readonly clock: Clock,
    private readonly deliveries: EventDeliveries,
  ) {}

  async list(principal: Principal, query: ListEventsQuery): Promise<Page<EventResponse>> {
    return this.db.read(async (m) => {
      const page = await keysetPage(
        m,
        Event,
        'ev',
        { limit: query.limit ?? 10, startingAfter: query.starting_after },
        (qb) =>
          qb
            .where('ev.organization_id = :org', { org: principal.organizationId })
            .andWhere('ev.livemode = :livemode', { livemode: principal.livemode }),
        {
          filters: (qb) => {
            if (query.type !== undefined) qb.andWhere('ev.type = :type', { type: query.type });
            if (query.created_from) qb.andWhere('ev.created_at >= :from', { from: query.created_from.getTime() });
            if (query.created_to) qb.andWhere('ev.created_at <= :to', { to: query.created_to.getTime() });
            return qb;
          },
        },
      );
      const deliveries = await this.deliveries.deliveriesOf(m, page.items.map((e) => e.id));
      return new Page(
        page.items.map((e) => EventResponse.from(e, deliveries.get(e.id) ?? [])),
        page.pagination,
      );
    });
  }

  async get(principal: Principal, id: string): Promise<EventResponse> {
    return this.db.read(async (m) => {
      const event = await this.findVisibleIn(m, principal, id, 'get-by-id');
      return EventResponse.from(event, (await this.deliveries.deliveriesOf(m, [event.id])).get(event.id) ?? []);
    });
  }

  /**
   * Resets every delivery of the event that still has a payload and makes it due now,
   * whatever its status (§5.9). Endpoints added after the event get nothing.
   */
  async replay(principal: Principal, id: string): Promise<EventResponse> {
    return this.db.transaction(async (m) => {
      const event = await this.findVisibleIn(m, principal, id, 'replay');
      if ((await this.deliveries.replay(m, event.id, this.clock.now())) === 0) throw eventNotReplayable();
      return EventResponse.from(event, (await this.deliveries.deliveriesOf(m, [event.id])).get(event.id) ?? []);
    });
  }

  private async findVisibleIn(
    manager: EntityManager,
    principal: Principal,
    id: string,
    anchor: 'get-by-id' | 'replay',
  ): Promise<Event> {
    const event = await manager.findOne(Event, {
      where: { id, organizationId: principal.organizationId, livemode: principal.livemode },
    });
    if (!event) throw eventNotFound(anchor);
    return event;
  }
}
