import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { JsonTextColumn, TimestampColumn } from '../../database/columns.js';
import { WebhookEndpoint } from './webhook-endpoint.entity.js';

/** A receiver's RSA public key (JWK) that delivery bodies are encrypted to (§5.8). */
@Entity({ name: 'webhook_encryption_keys' })
@Index('IDX_webhook_keys_endpoint', ['endpointId', 'createdAt', 'id'])
export class WebhookEncryptionKey {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'endpoint_id', type: 'varchar', length: 36 })
  endpointId: string;

  @ManyToOne(() => WebhookEndpoint, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'endpoint_id', foreignKeyConstraintName: 'FK_webhook_keys_endpoint' })
  endpoint?: WebhookEndpoint;

  @Column({ type: 'boolean' })
  livemode: boolean;

  /** Becomes the JWE `kid`. */
  @Column({ name: 'key_id', type: 'varchar', length: 128 })
  keyId: string;

  @Column({ type: 'varchar', length: 32 })
  algorithm: string;

  @Column({ name: 'key_type', type: 'varchar', length: 16 })
  keyType: string;

  @JsonTextColumn()
  jwk: Record<string, string>;

  @Column({ name: 'is_active', type: 'boolean' })
  isActive: boolean;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt: Date;

  @TimestampColumn({ name: 'disabled_at', nullable: true })
  disabledAt: Date | null;
}
