import type { SelectQueryBuilder } from 'typeorm';
import type { WebhookDelivery } from '../entities/webhook-delivery.entity.js';

/**
 * Every column the API shows, so reads leave the encrypted payload (a JWE of several
 * kilobytes) and the lease bookkeeping in the database.
 */
export function selectDeliveryColumns(qb: SelectQueryBuilder<WebhookDelivery>, alias: string): SelectQueryBuilder<WebhookDelivery> {
  return qb.select(
    [
      'id',
      'eventId',
      'endpointId',
      'organizationId',
      'livemode',
      'encryptionKeyId',
      'eventType',
      'status',
      'attemptCount',
      'nextAttemptAt',
      'lastStatusCode',
      'lastAttemptAt',
      'lastError',
      'createdAt',
      'updatedAt',
    ].map((property) => `${alias}.${property}`),
  );
}
