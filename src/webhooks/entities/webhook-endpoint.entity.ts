import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { JsonTextColumn, TimestampColumn } from '../../database/columns.js';
import { Organization } from '../../organizations/entities/organization.entity.js';
import type { EventType } from '../../events/entities/event.entity.js';

@Entity({ name: 'webhook_endpoints' })
@Index('IDX_webhook_endpoints_list', ['organizationId', 'livemode', 'createdAt', 'id'])
export class WebhookEndpoint {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'organization_id', type: 'varchar', length: 36 })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'FK_webhook_endpoints_organization' })
  organization?: Organization;

  @Column({ type: 'boolean' })
  livemode: boolean;

  @Column({ type: 'varchar', length: 120, nullable: true })
  name: string | null;

  @Column({ type: 'text' })
  url: string;

  @Column({ type: 'boolean' })
  enabled: boolean;

  /** In the order given, without duplicates. */
  @JsonTextColumn({ name: 'subscribed_event_types' })
  subscribedEventTypes: EventType[];

  /** The current `whsec_` secret, sealed with AES-256-GCM (SecretBox). */
  @Column({ name: 'signing_secret', type: 'text' })
  signingSecret: string;

  /** The secret before the last rotation, sealed; signs alongside until it expires. */
  @Column({ name: 'previous_signing_secret', type: 'text', nullable: true })
  previousSigningSecret: string | null;

  @TimestampColumn({ name: 'previous_secret_expires_at', nullable: true })
  previousSecretExpiresAt: Date | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt: Date;

  @TimestampColumn({ name: 'disabled_at', nullable: true })
  disabledAt: Date | null;
}
