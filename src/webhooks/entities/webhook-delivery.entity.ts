import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../../database/columns.js';
import { Event } from '../../events/entities/event.entity.js';
import type { DeliveryStatus } from '../../events/event-deliveries.js';
import { WebhookEndpoint } from './webhook-endpoint.entity.js';

export { DELIVERY_STATUSES, type DeliveryStatus } from '../../events/event-deliveries.js';

export const DELIVERY_ERRORS = [
  'no_active_encryption_key',
  'encryption_failed',
  'endpoint_disabled',
  'signing_secret_unavailable',
  'network_error',
  'timeout',
  'http_status',
  'lease_expired',
  'blocked_address',
] as const;
export type DeliveryError = (typeof DELIVERY_ERRORS)[number];

/** One event to one endpoint: the outbox's second half (§5.10, §5.13). */
@Entity({ name: 'webhook_deliveries' })
@Index('IDX_webhook_deliveries_due', ['status', 'nextAttemptAt'])
@Index('IDX_webhook_deliveries_list', ['organizationId', 'livemode', 'createdAt', 'id'])
@Index('IDX_webhook_deliveries_event', ['eventId'])
@Index('IDX_webhook_deliveries_endpoint', ['endpointId'])
export class WebhookDelivery {
  @PrimaryColumn({ type: 'varchar', length: 68 })
  id: string;

  @Column({ name: 'event_id', type: 'varchar', length: 68 })
  eventId: string;

  @ManyToOne(() => Event, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'event_id', foreignKeyConstraintName: 'FK_webhook_deliveries_event' })
  event?: Event;

  @Column({ name: 'endpoint_id', type: 'varchar', length: 36 })
  endpointId: string;

  @ManyToOne(() => WebhookEndpoint, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'endpoint_id', foreignKeyConstraintName: 'FK_webhook_deliveries_endpoint' })
  endpoint?: WebhookEndpoint;

  @Column({ name: 'organization_id', type: 'varchar', length: 36 })
  organizationId: string;

  @Column({ type: 'boolean' })
  livemode: boolean;

  @Column({ name: 'encryption_key_id', type: 'varchar', length: 36, nullable: true })
  encryptionKeyId: string | null;

  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType: string;

  @Column({ type: 'varchar', length: 16 })
  status: DeliveryStatus;

  @Column({ name: 'attempt_count', type: 'integer' })
  attemptCount: number;

  @TimestampColumn({ name: 'next_attempt_at', nullable: true })
  nextAttemptAt: Date | null;

  @Column({ name: 'last_status_code', type: 'integer', nullable: true })
  lastStatusCode: number | null;

  @TimestampColumn({ name: 'last_attempt_at', nullable: true })
  lastAttemptAt: Date | null;

  @Column({ name: 'last_error', type: 'varchar', length: 64, nullable: true })
  lastError: DeliveryError | null;

  /** The compact JWE sent on every attempt; null when the delivery failed closed. */
  @Column({ type: 'text', nullable: true })
  payload: string | null;

  @Column({ name: 'lease_owner', type: 'varchar', length: 64, nullable: true })
  leaseOwner: string | null;

  @TimestampColumn({ name: 'lease_expires_at', nullable: true })
  leaseExpiresAt: Date | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt: Date;
}
