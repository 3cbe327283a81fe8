import { ApiProperty } from '@nestjs/swagger';
import {
  DELIVERY_ERRORS,
  DELIVERY_STATUSES,
  type DeliveryError,
  type DeliveryStatus,
  type WebhookDelivery,
} from '../../entities/webhook-delivery.entity.js';

/** One event to one endpoint (§5.10). */
export class DeliveryResponse {
  /**
   * Delivery id: `whd_` + 64 characters; sent as `X-Kayle-Delivery-Id`.
   * @example "whd_2ka9c8d7e6f5g4h3j2k1m0n9p8q7r6s5t4u3v2w1x0y9z8a7b6c5d4e3f2g1h0j9k8m7"
   */
  id: string;

  /**
   * The event delivered.
   * @example "evt_r8b1c2d3e4f5g6h7j8k9m0n1p2q3r4s5t6u7v8w9x0y1z2a3b4c5d6e7f8g9h0j1k2m3"
   */
  event_id: string;

  /**
   * The endpoint it goes to.
   * @example "whe_m3q8x1k4n7p0r2t5v8y1a4c7e0g3j6l9"
   */
  webhook_endpoint_id: string;

  /**
   * The environment of the event and endpoint.
   * @example true
   */
  livemode: boolean;

  /**
   * The key (`whk_…`) the body was encrypted to; null when the endpoint had no active key.
   * @example "whk_p0d2f5h8k1m4p7r0t3w6y9b2e5h8k1n4"
   */
  webhook_encryption_key_id: string | null;

  /**
   * `pending` (queued or waiting for a retry), `delivering` (in flight), `succeeded` or
   * `failed` (schedule used up, or failed closed).
   */
  @ApiProperty({ enum: DELIVERY_STATUSES, example: 'pending' })
  status: DeliveryStatus;

  /**
   * Attempts made so far (0 to 8).
   * @example 0
   */
  attempt_count: number;

  /**
   * When the next attempt is due; null means due now (or nothing left to do).
   * @example null
   */
  next_attempt_at: string | null;

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

  /** Why the last attempt failed, or null (extension). */
  @ApiProperty({ enum: DELIVERY_ERRORS, nullable: true, example: null })
  last_error: DeliveryError | null;

  /**
   * When the delivery was created (with its event).
   * @example "2026-11-26T10:00:00.000Z"
   */
  created_at: string;

  /**
   * When the delivery last changed.
   * @example "2026-11-26T10:00:00.000Z"
   */
  updated_at: string;

  static from(delivery: WebhookDelivery): DeliveryResponse {
    return {
      id: delivery.id,
      event_id: delivery.eventId,
      webhook_endpoint_id: delivery.endpointId,
      livemode: delivery.livemode,
      webhook_encryption_key_id: delivery.encryptionKeyId,
      status: delivery.status,
      attempt_count: delivery.attemptCount,
      next_attempt_at: delivery.nextAttemptAt ? delivery.nextAttemptAt.toISOString() : null,
      last_status_code: delivery.lastStatusCode,
      last_attempt_at: delivery.lastAttemptAt ? delivery.lastAttemptAt.toISOString() : null,
      last_error: delivery.lastError,
      created_at: delivery.createdAt.toISOString(),
      updated_at: delivery.updatedAt.toISOString(),
    };
  }
}
