import { ApiProperty } from '@nestjs/swagger';
import { EVENT_TYPES, type Event, type EventType, type TriggerType } from '../entities/event.entity.js';
import { DELIVERY_STATUSES, type DeliveryStatus, type EventDelivery } from '../event-deliveries.js';

/** One delivery of an event, as embedded in the event (§5.9). */
export class EventDeliveryResponse {
  /**
   * Delivery id: `whd_` + 64 characters.
   * @example "whd_2ka9c8d7e6f5g4h3j2k1m0n9p8q7r6s5t4u3v2w1x0y9z8a7b6c5d4e3f2g1h0j9k8m7"
   */
  id: string;

  /**
   * The endpoint the delivery goes to.
   * @example "whe_m3q8x1k4n7p0r2t5v8y1a4c7e0g3j6l9"
   */
  webhook_endpoint_id: string;

  /** `pending`, `delivering`, `succeeded` or `failed` (§5.10). */
  @ApiProperty({ enum: DELIVERY_STATUSES, example: 'pending' })
  status: DeliveryStatus;

  /**
   * Attempts made so far (0 to 8).
   * @example 0
   */
  attempt_count: number;

  /**
   * HTTP status of the last reply, or null.
   * @example null
   */
  last_status_code: number | null;

  /**
   * When the last attempt started, or null.
   * @example null
   */
  last_attempt_at: string | null;

  static from(delivery: EventDelivery): EventDeliveryResponse {
    return {
      id: delivery.id,
      webhook_endpoint_id: delivery.endpointId,
      status: delivery.status,
      attempt_count: delivery.attemptCount,
      last_status_code: delivery.lastStatusCode,
      last_attempt_at: delivery.lastAttemptAt ? delivery.lastAttemptAt.toISOString() : null,
    };
  }
}

/** A webhook event (§5.9). Events hold no personal data. */
export class EventResponse {
  /**
   * Event id: `evt_` + 64 characters; also the payload's `metadata.event_id`.
   * @example "evt_r8b1c2d3e4f5g6h7j8k9m0n1p2q3r4s5t6u7v8w9x0y1z2a3b4c5d6e7f8g9h0j1k2m3"
   */
  id: string;

  /** The event type (§5.1). */
  @ApiProperty({ enum: EVENT_TYPES, example: 'verification.session.succeeded' })
  type: EventType;

  /**
   * `false` for events of test sessions.
   * @example true
   */
  livemode: boolean;

  /** What the event is about. */
  @ApiProperty({ enum: ['verification_session', 'verification_attempt'], example: 'verification_session' })
  trigger_type: TriggerType;

  /**
   * The session id (`vs_…`) or attempt id (`va_…`), per `trigger_type`.
   * @example "vs_8f2k1m4n7p0q3r6s9t2u5v8w1x4y7z0a3b6c9d2e5f8g1h4i7j0k3l6m9n2o5p8q1r4s"
   */
  trigger_id: string;

  /**
   * When the event happened.
   * @example "2026-11-26T10:00:00.000Z"
   */
  created_at: string;

  /** The event's deliveries, oldest first. */
  @ApiProperty({ type: () => [EventDeliveryResponse] })
  deliveries: EventDeliveryResponse[];

  static from(event: Event, deliveries: EventDelivery[]): EventResponse {
    return {
      id: event.id,
      type: event.type,
      livemode: event.livemode,
      trigger_type: event.triggerType,
      trigger_id: event.triggerId,
      created_at: event.createdAt.toISOString(),
      deliveries: deliveries.map(EventDeliveryResponse.from),
    };
  }
}
