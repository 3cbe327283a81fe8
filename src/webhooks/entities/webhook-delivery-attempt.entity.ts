import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../../database/columns.js';
import { WebhookDelivery } from './webhook-delivery.entity.js';

/** One HTTP attempt of a delivery (internal, never exposed). */
@Entity({ name: 'webhook_delivery_attempts' })
@Index('IDX_webhook_delivery_attempts_delivery', ['deliveryId', 'attemptNumber'])
export class WebhookDeliveryAttempt {
  @PrimaryColumn({ type: 'varchar', length: 68 })
  id: string;

  @Column({ name: 'delivery_id', type: 'varchar', length: 68 })
  deliveryId: string;

  @ManyToOne(() => WebhookDelivery, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'delivery_id', foreignKeyConstraintName: 'FK_webhook_delivery_attempts_delivery' })
  delivery?: WebhookDelivery;

  @Column({ name: 'attempt_number', type: 'integer' })
  attemptNumber: number;

  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode: number | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  error: string | null;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs: number;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;
}
