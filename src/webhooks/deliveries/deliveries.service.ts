import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../../auth/principal.js';
import { Clock } from '../../common/clock.js';
import { Page } from '../../common/envelope.js';
import { ApiError } from '../../common/errors/api-error.js';
import { keysetPage } from '../../common/pagination.js';
import { DatabaseService } from '../../database/database.service.js';
import { WebhookDispatcher } from '../dispatcher.service.js';
import { WebhookDelivery } from '../entities/webhook-delivery.entity.js';
import { selectDeliveryColumns } from './delivery-columns.js';
import { DeliveryResponse } from './dto/delivery.response.js';
import type { ListDeliveriesQuery } from './dto/list-deliveries.query.js';

export const deliveryNotFound = (): ApiError =>
  ApiError.notFound(
    'Webhook delivery not found.',
    'The webhook delivery with the given ID was not found.',
    'webhooks/deliveries#retry',
  );

export const deliveryNotRetryable = (): ApiError =>
  ApiError.conflict(
    'Webhook delivery cannot be retried.',
    'Only webhook deliveries with a retained payload can be retried.',
    'webhooks/deliveries#retry',
  );

@Injectable()
export class WebhookDeliveriesService {
  constructor(
    private readonly db: DatabaseService,
    private readonly clock: Clock,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  async list(principal: Principal, query: ListDeliveriesQuery): Promise<Page<DeliveryResponse>> {
    const page = await this.db.read((m) =>
      keysetPage(
        m,
        WebhookDelivery,
        'd',
        { limit: query.limit ?? 10, startingAfter: query.starting_after },
        (qb) =>
          selectDeliveryColumns(qb, 'd')
            .where('d.organization_id = :org', { org: principal.organizationId })
            .andWhere('d.livemode = :livemode', { livemode: principal.livemode }),
        {
          filters: (qb) => {
            if (query.status !== undefined) qb.andWhere('d.status = :status', { status: query.status });
            if (query.endpoint_id !== undefined) qb.andWhere('d.endpoint_id = :endpointId', { endpointId: query.endpoint_id });
            if (query.event_id !== undefined) qb.andWhere('d.event_id = :eventId', { eventId: query.event_id });
            return qb;
          },
        },
      ),
    );
    return new Page(page.items.map(DeliveryResponse.from), page.pagination);
  }

  /** Resets the delivery whatever its status and makes it due now (§5.10, §5.13). */
  async retry(principal: Principal, id: string): Promise<DeliveryResponse> {
    return this.db.transaction(async (m) => {
      const found = await this.findVisibleIn(m, principal, id);
      if (!found.hasPayload) throw deliveryNotRetryable();
      await this.dispatcher.resetDeliveriesIn(m, [id], this.clock.now());
      const delivery = await selectDeliveryColumns(m.createQueryBuilder(WebhookDelivery, 'd'), 'd')
        .where('d.id = :id', { id })
        .getOneOrFail();
      return DeliveryResponse.from(delivery);
    });
  }

  private async findVisibleIn(manager: EntityManager, principal: Principal, id: string): Promise<{ hasPayload: boolean }> {
    const row = await manager
      .createQueryBuilder(WebhookDelivery, 'd')
      .select('d.id', 'id')
      .addSelect('CASE WHEN d.payload IS NULL THEN 0 ELSE 1 END', 'has_payload')
      .where('d.id = :id', { id })
      .andWhere('d.organization_id = :org', { org: principal.organizationId })
      .andWhere('d.livemode = :livemode', { livemode: principal.livemode })
      .getRawOne<{ id: string; has_payload: number | string }>();
    if (!row) throw deliveryNotFound();
    return { hasPayload: Number(row.has_payload) === 1 };
  }
}
