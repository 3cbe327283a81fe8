import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { JsonTextColumn, TimestampColumn } from '../../database/columns.js';
import { Organization } from '../../organizations/entities/organization.entity.js';
import type { NormalizedShareFields } from '../share-contract/index.js';

export const SESSION_STATUSES = ['created', 'in_progress', 'succeeded', 'failed', 'expired', 'cancelled'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];
export const OPEN_SESSION_STATUSES: SessionStatus[] = ['created', 'in_progress'];

@Entity({ name: 'sessions' })
@Index('IDX_sessions_list', ['organizationId', 'livemode', 'createdAt', 'id'])
@Index('IDX_sessions_status_expires', ['status', 'expiresAt'])
@Index('IDX_sessions_expires_at', ['expiresAt'])
export class Session {
  @PrimaryColumn({ type: 'varchar', length: 67 })
  id: string;

  @Column({ name: 'organization_id', type: 'varchar', length: 36 })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'FK_sessions_organization' })
  organization?: Organization;

  @Column({ type: 'boolean' })
  livemode: boolean;

  @Column({ type: 'varchar', length: 16 })
  status: SessionStatus;

  @Column({ name: 'failure_code', type: 'varchar', length: 64, nullable: true })
  failureCode: string | null;

  @Column({ name: 'contract_version', type: 'integer' })
  contractVersion: number;

  @JsonTextColumn({ name: 'share_fields' })
  shareFields: NormalizedShareFields;

  @Column({ name: 'redirect_url', type: 'text', nullable: true })
  redirectUrl: string | null;

  /** HMAC-SHA256(SERVER_SECRET, cancel_token); the token itself is never stored. */
  @Column({ name: 'cancel_token_hash', type: 'varchar', length: 64 })
  cancelTokenHash: string;

  @TimestampColumn({ name: 'cancel_token_used_at', nullable: true })
  cancelTokenUsedAt: Date | null;

  @TimestampColumn({ name: 'expires_at' })
  expiresAt: Date;

  @TimestampColumn({ name: 'completed_at', nullable: true })
  completedAt: Date | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt: Date;
}
