import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { EventDeliveries, type EventDelivery } from '../../events/event-deliveries.js';
import { WebhookDispatcher } from '../dispatcher.service.js';
import { WebhookDelivery } from '../entities/webhook-delivery.entity.js';
import { selectDeliveryColumns } from './delivery-columns.js';

/** The events API's view of webhook deliveries, and its replay through the dispatcher's reset. */
@Injectable()
export class WebhookEventDeliveries extends EventDeliveries {
  constructor(private readonly dispatcher: WebhookDispatcher) {
    super();
  }

  async deliveriesOf(manager: EntityManager, eventIds: string[]): Promise<Map<string, EventDelivery[]>> {
    const byEvent = new Map<string, EventDelivery[]>();
    if (eventIds.length === 0) return byEvent;
    const rows = await selectDeliveryColumns(manager.createQueryBuilder(WebhookDelivery, 'd'), 'd')
      .where('d.event_id IN (:...eventIds)', { eventIds })
      .orderBy('d.created_at', 'ASC')
      .addOrderBy('d.id', 'ASC')
      .getMany();
    for (const row of rows) {
      const list = byEvent.get(row.eventId) ?? [];
      list.push(row);
      byEvent.set(row.eventId, list);
    }
    return byEvent;
  }

  async replay(manager: EntityManager, eventId: string, now: Date): Promise<number> {
    const replayable = await manager
      .createQueryBuilder(WebhookDelivery, 'd')
      .select('d.id', 'id')
      .where('d.event_id = :eventId', { eventId })
      .andWhere('d.payload IS NOT NULL')
      .getRawMany<{ id: string }>();
    await this.dispatcher.resetDeliveriesIn(
      manager,
      replayable.map((d) => d.id),
      now,
    );
    return replayable.length;
  }
}
