import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { EntityInsertWriter } from '../common/entity-insert.js';
import { newId } from '../common/ids.js';
import { DatabaseService } from '../database/database.service.js';
import { Event, type EventSummary, type EventType, type TriggerType } from './entities/event.entity.js';

export interface NewEvent {
  type: EventType;
  organizationId: string;
  livemode: boolean;
  sessionId: string;
  attemptId?: string;
  contractVersion: number;
  /** The payload's `data` (§5.11); may hold claims, which are never stored in the row. */
  data: Record<string, unknown>;
}

/** The plaintext webhook payload of §5.11, handed to outbox listeners in memory only. */
export interface EventPayload {
  type: EventType;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** Called inside the writing transaction, e.g. to fan deliveries out (§5.13). */
export type OutboxListener = (manager: EntityManager, event: Event, payload: EventPayload) => Promise<void>;

@Injectable()
export class EventsService {
  private readonly listeners: OutboxListener[] = [];
  private readonly eventInsert: EntityInsertWriter<Event>;

  constructor(db: DatabaseService) {
    this.eventInsert = new EntityInsertWriter(db.dataSource, Event);
  }

  onRecorded(listener: OutboxListener): void {
    this.listeners.push(listener);
  }

  /** Writes the event row and runs the outbox listeners, all in the caller's transaction. */
  async record(manager: EntityManager, input: NewEvent, now: Date): Promise<Event> {
    const triggerType: TriggerType = input.type.startsWith('verification.session.')
      ? 'verification_session'
      : 'verification_attempt';
    const event = Object.assign(new Event(), {
      id: newId.event(),
      organizationId: input.organizationId,
      livemode: input.livemode,
      type: input.type,
      triggerType,
      triggerId: triggerType === 'verification_session' ? input.sessionId : input.attemptId!,
      sessionId: input.sessionId,
      summary: withoutClaims(input.data),
      createdAt: now,
    });
    await this.eventInsert.insert(manager, event);
    const payload: EventPayload = {
      type: input.type,
      data: input.data,
      metadata: {
        contract_version: input.contractVersion,
        event_id: event.id,
        livemode: input.livemode,
        ...(input.attemptId ? { verification_attempt_id: input.attemptId } : {}),
        verification_session_id: input.sessionId,
      },
    };
    for (const listener of this.listeners) await listener(manager, event, payload);
    return event;
  }
}

function withoutClaims(data: Record<string, unknown>): EventSummary {
  const { claims: _claims, ...rest } = data;
  return rest as EventSummary;
}
