import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { JWK } from 'jose';
import type { EntityManager } from 'typeorm';
import { newId } from '../common/ids.js';
import type { Event } from '../events/entities/event.entity.js';
import { EventsService, type EventPayload } from '../events/events.service.js';
import { WebhookDispatcher } from './dispatcher.service.js';
import { WebhookDelivery } from './entities/webhook-delivery.entity.js';
import { WebhookEncryptionKey } from './entities/webhook-encryption-key.entity.js';
import { WebhookEndpoint } from './entities/webhook-endpoint.entity.js';
import { JweEncrypter } from './jwe.js';

/**
 * The outbox fan-out (§5.13): when an event row is written, one delivery per enabled,
 * subscribed endpoint of the same organization and environment is written in the same
 * transaction, its body already encrypted to the endpoint's newest active key. Claims
 * exist in plaintext only in this transaction's memory.
 */
@Injectable()
export class WebhookOutbox implements OnModuleInit {
  private readonly logger = new Logger(WebhookOutbox.name);

  constructor(
    private readonly events: EventsService,
    private readonly dispatcher: WebhookDispatcher,
    @Inject(JweEncrypter) private readonly jwe: JweEncrypter,
  ) {}

  onModuleInit(): void {
    this.events.onRecorded((manager, event, payload) => this.fanOut(manager, event, payload));
  }

  async fanOut(manager: EntityManager, event: Event, payload: EventPayload): Promise<void> {
    const endpoints = await manager.find(WebhookEndpoint, {
      where: { organizationId: event.organizationId, livemode: event.livemode, enabled: true },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    const subscribed = endpoints.filter((e) => e.subscribedEventTypes.includes(event.type));
    if (subscribed.length === 0) return;
    const plaintext = JSON.stringify(payload);
    const now = event.createdAt;
    const deliveries: WebhookDelivery[] = [];
    for (const endpoint of subscribed) {
      const key = await manager.findOne(WebhookEncryptionKey, {
        where: { endpointId: endpoint.id, isActive: true },
        order: { createdAt: 'DESC', id: 'DESC' },
      });
      const delivery = Object.assign(new WebhookDelivery(), {
        id: newId.delivery(),
        eventId: event.id,
        endpointId: endpoint.id,
        organizationId: event.organizationId,
        livemode: event.livemode,
        encryptionKeyId: key?.id ?? null,
        eventType: event.type,
        status: 'pending',
        attemptCount: 0,
        nextAttemptAt: null,
        lastStatusCode: null,
        lastAttemptAt: null,
        lastError: null,
        payload: null as string | null,
        leaseOwner: null,
        leaseExpiresAt: null,
        createdAt: now,
        updatedAt: now,
      } satisfies WebhookDelivery);
      if (key) {
        try {
          delivery.payload = await this.jwe.encrypt(plaintext, { id: key.id, keyId: key.keyId, jwk: key.jwk as JWK });
        } catch (err) {
          this.logger.warn(`Encrypting delivery ${delivery.id} failed: ${(err as Error).message}`);
          this.failClosed(delivery, 'encryption_failed', now);
        }
      } else {
        this.failClosed(delivery, 'no_active_encryption_key', now);
      }
      deliveries.push(delivery);
    }
    await manager.insert(WebhookDelivery, deliveries);
    if (deliveries.some((d) => d.status === 'pending')) this.dispatcher.nudgeAfterCommit(manager);
  }

  /** Never sent and never retried: claims are not kept in plaintext to send later. */
  private failClosed(delivery: WebhookDelivery, reason: 'encryption_failed' | 'no_active_encryption_key', now: Date): void {
    Object.assign(delivery, { status: 'failed', attemptCount: 1, lastAttemptAt: now, lastError: reason, payload: null });
  }
}
