import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../../../database/columns.js';
import { Session } from '../../entities/session.entity.js';

export const ATTEMPT_STATUSES = ['in_progress', 'succeeded', 'failed', 'cancelled'] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

@Entity({ name: 'attempts' })
@Index('IDX_attempts_session', ['sessionId', 'createdAt', 'id'])
@Index('IDX_attempts_status', ['status'])
@Index('IDX_attempts_list', ['organizationId', 'livemode', 'createdAt', 'id'])
export class Attempt {
  @PrimaryColumn({ type: 'varchar', length: 67 })
  id: string;

  @Column({ name: 'session_id', type: 'varchar', length: 67 })
  sessionId: string;

  @ManyToOne(() => Session, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'session_id', foreignKeyConstraintName: 'FK_attempts_session' })
  session?: Session;

  @Column({ name: 'organization_id', type: 'varchar', length: 36 })
  organizationId: string;

  @Column({ type: 'boolean' })
  livemode: boolean;

  @Column({ type: 'varchar', length: 16 })
  status: AttemptStatus;

  @Column({ name: 'failure_code', type: 'varchar', length: 64, nullable: true })
  failureCode: string | null;

  @Column({ name: 'risk_score', type: 'double precision' })
  riskScore: number;

  @Column({ name: 'current_phase', type: 'varchar', length: 64, nullable: true })
  currentPhase: string | null;

  @TimestampColumn({ name: 'phase_updated_at', nullable: true })
  phaseUpdatedAt: Date | null;

  /** Random seed the handoff token is derived from (§6.3); the token itself is not stored. */
  @Column({ name: 'handoff_seed', type: 'varchar', length: 64, nullable: true })
  handoffSeed: string | null;

  /** HMAC-SHA256(SERVER_SECRET, mobile_write_token). */
  @Column({ name: 'handoff_token_hash', type: 'varchar', length: 64, nullable: true })
  handoffTokenHash: string | null;

  @TimestampColumn({ name: 'handoff_issued_at', nullable: true })
  handoffIssuedAt: Date | null;

  @TimestampColumn({ name: 'handoff_expires_at', nullable: true })
  handoffExpiresAt: Date | null;

  @TimestampColumn({ name: 'handoff_consumed_at', nullable: true })
  handoffConsumedAt: Date | null;

  /** HMAC-SHA256(SERVER_SECRET, device_id) of the device that consumed the handoff. */
  @Column({ name: 'device_id_hash', type: 'varchar', length: 64, nullable: true })
  deviceIdHash: string | null;

  @Column({ name: 'app_version', type: 'varchar', length: 64, nullable: true })
  appVersion: string | null;

  /** Which live socket owns the attempt (§6.6), until `connectionLeaseExpiresAt`. */
  @Column({ name: 'connection_lease_owner', type: 'varchar', length: 64, nullable: true })
  connectionLeaseOwner: string | null;

  @TimestampColumn({ name: 'connection_lease_expires_at', nullable: true })
  connectionLeaseExpiresAt: Date | null;

  @TimestampColumn({ name: 'completed_at', nullable: true })
  completedAt: Date | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt: Date;
}
