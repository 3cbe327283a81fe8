import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { JsonTextColumn, TimestampColumn } from '../../database/columns.js';

export const EVENT_TYPES = [
  'verification.session.succeeded',
  'verification.session.failed',
  'verification.session.expired',
  'verification.session.cancelled',
  'verification.attempt.succeeded',
  'verification.attempt.failed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export type TriggerType = 'verification_session' | 'verification_attempt';

/** What an event row keeps of its payload: never claims. */
export interface EventSummary {
  failure_code?: string;
  failed_attempts?: number;
  selected_field_keys?: string[];
}

/**
 * The outbox's first half (§5.9, §5.13). Rows hold no personal data: claims travel only
 * inside encrypted deliveries, built in the same transaction.
 */
@Entity({ name: 'events' })
@Index('IDX_events_list', ['organizationId', 'livemode', 'createdAt', 'id'])
@Index('IDX_events_session', ['sessionId'])
// The database itself refuses a second terminal event for one session (§3.8).
@Index('UQ_events_session_terminal', ['sessionId'], { unique: true, where: "trigger_type = 'verification_session'" })
export class Event {
  @PrimaryColumn({ type: 'varchar', length: 68 })
  id: string;

  @Column({ name: 'organization_id', type: 'varchar', length: 36 })
  organizationId: string;

  @Column({ type: 'boolean' })
  livemode: boolean;

  @Column({ type: 'varchar', length: 64 })
  type: EventType;

  @Column({ name: 'trigger_type', type: 'varchar', length: 32 })
  triggerType: TriggerType;

  @Column({ name: 'trigger_id', type: 'varchar', length: 67 })
  triggerId: string;

  @Column({ name: 'session_id', type: 'varchar', length: 67 })
  sessionId: string;

  /** The non-personal part of the payload (failure codes, selected keys). */
  @JsonTextColumn()
  summary: EventSummary;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;
}
