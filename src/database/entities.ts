import { Attempt } from '../sessions/attempts/entities/attempt.entity.js';
import { ApiKey } from '../auth/entities/api-key.entity.js';
import { Event } from '../events/entities/event.entity.js';
import { IdempotencyKey } from '../idempotency/entities/idempotency-key.entity.js';
import { Organization } from '../organizations/entities/organization.entity.js';
import { RateLimitCounter } from '../rate-limit/entities/rate-limit-counter.entity.js';
import { Session } from '../sessions/entities/session.entity.js';
import { WebhookDeliveryAttempt } from '../webhooks/entities/webhook-delivery-attempt.entity.js';
import { WebhookDelivery } from '../webhooks/entities/webhook-delivery.entity.js';
import { WebhookEncryptionKey } from '../webhooks/entities/webhook-encryption-key.entity.js';
import { WebhookEndpoint } from '../webhooks/entities/webhook-endpoint.entity.js';

/** Every entity, for the data source options shared by the app, the CLI and ormconfig.ts. */
export const ENTITIES = [
  Organization, ApiKey, Session, Attempt, Event, IdempotencyKey, RateLimitCounter,
  WebhookEndpoint, WebhookEncryptionKey, WebhookDelivery, WebhookDeliveryAttempt,
];
