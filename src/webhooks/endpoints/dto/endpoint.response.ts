import { ApiProperty } from '@nestjs/swagger';
import { EVENT_TYPES, type EventType } from '../../../events/entities/event.entity.js';
import type { WebhookEndpoint } from '../../entities/webhook-endpoint.entity.js';

/** A webhook endpoint (§5.2). The signing secret is never part of it. */
export class EndpointResponse {
  /**
   * Endpoint id: `whe_` + 32 characters.
   * @example "whe_m3q8x1k4n7p0r2t5v8y1a4c7e0g3j6l9"
   */
  id: string;

  /**
   * The organization that owns the endpoint.
   * @example "5d1c2f9e-8a41-4c1b-9b7e-0f3a5e2d7c10"
   */
  organization_id: string;

  /**
   * `false` for test endpoints; they get only test events.
   * @example true
   */
  livemode: boolean;

  /**
   * Label for humans, or null.
   * @example "Primary"
   */
  name: string | null;

  /**
   * Where deliveries are POSTed.
   * @example "https://example.com/webhooks/kayle"
   */
  url: string;

  /**
   * Disabled endpoints get no new deliveries and pending ones are not sent.
   * @example true
   */
  enabled: boolean;

  /** The event types delivered here, in the order given. */
  @ApiProperty({
    enum: EVENT_TYPES,
    isArray: true,
    example: ['verification.session.succeeded', 'verification.session.failed'],
  })
  subscribed_event_types: EventType[];

  /**
   * When the endpoint was created.
   * @example "2026-11-26T10:00:00.000Z"
   */
  created_at: string;

  /**
   * When the endpoint last changed.
   * @example "2026-11-26T10:00:00.000Z"
   */
  updated_at: string;

  /**
   * When the endpoint was last disabled; null while it is enabled.
   * @example null
   */
  disabled_at: string | null;

  static from(endpoint: WebhookEndpoint): EndpointResponse {
    // Key by key: the contract fixes the field order clients see.
    return {
      id: endpoint.id,
      organization_id: endpoint.organizationId,
      livemode: endpoint.livemode,
      name: endpoint.name,
      url: endpoint.url,
      enabled: endpoint.enabled,
      subscribed_event_types: [...endpoint.subscribedEventTypes],
      created_at: endpoint.createdAt.toISOString(),
      updated_at: endpoint.updatedAt.toISOString(),
      disabled_at: endpoint.disabledAt ? endpoint.disabledAt.toISOString() : null,
    };
  }
}

/** The create response: the endpoint and its first signing secret (§5.3). */
export class CreatedEndpointResponse {
  /** The new endpoint. */
  endpoint: EndpointResponse;

  /**
   * The current signing secret (`whsec_` + 32 characters). Reveal it again with
   * `POST …/signing-secret/reveal`.
   * @example "whsec_abcdefghijklmnopqrstuvwxyz012345"
   */
  signing_secret: string;
}

/** The answer of a hard delete (§5.6). */
export class DeletedEndpointResponse {
  /**
   * Always `Webhook endpoint deleted.`
   * @example "Webhook endpoint deleted."
   */
  message: string;

  /**
   * Always `success`.
   * @example "success"
   */
  status: string;
}
