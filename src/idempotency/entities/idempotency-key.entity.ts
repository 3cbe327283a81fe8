import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../../database/columns.js';

export type IdempotencyStatus = 'in_flight' | 'completed';

/** A first request's outcome under (API key, Idempotency-Key) for 24 h (§1.9). */
@Entity({ name: 'idempotency_keys' })
@Index('IDX_idempotency_keys_expires_at', ['expiresAt'])
export class IdempotencyKey {
  @PrimaryColumn({ name: 'api_key_id', type: 'varchar', length: 36 })
  apiKeyId: string;

  @PrimaryColumn({ name: 'idempotency_key', type: 'varchar', length: 255 })
  idempotencyKey: string;

  /** SHA-256 hex of method, path, sorted query and canonical body. */
  @Column({ type: 'varchar', length: 64 })
  fingerprint: string;

  @Column({ type: 'varchar', length: 16 })
  status: IdempotencyStatus;

  @Column({ name: 'response_status', type: 'integer', nullable: true })
  responseStatus: number | null;

  /** The response body, sealed with AES-256-GCM (it may hold a cancel_token). */
  @Column({ name: 'response_body', type: 'text', nullable: true })
  responseBody: string | null;

  /** While in flight: after this a crashed first request's key may be taken over. */
  @TimestampColumn({ name: 'locked_until' })
  lockedUntil: Date;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  @TimestampColumn({ name: 'expires_at' })
  expiresAt: Date;
}
