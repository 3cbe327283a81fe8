import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { JWK } from 'jose';
import type { EntityManager } from 'typeorm';
import { EntityInsertWriter } from '../common/entity-insert.js';
import { EntityReader } from '../common/entity-reader.js';
import { newId } from '../common/ids.js';
import { DatabaseService } from '../database/database.service.js';
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
  // Every event runs these in the transaction of a state change: written once, not per event.
  private readonly endpointRows: EntityReader<WebhookEndpoint>;
  private readonly keyRows: EntityReader<WebhookEncryptionKey>;
  private readonly deliveryInsert: EntityInsertWriter<WebhookDelivery>;

  constructor(
    db: DatabaseService,
    private readonly events: EventsService,
    private readonly dispatcher: WebhookDispatcher,
    @Inject(JweEncrypter) private readonly jwe: JweEncrypter,
  ) {
    this.endpointRows = new EntityReader(db.dataSource, WebhookEndpoint);
    this.keyRows = new EntityReader(db.dataSource, WebhookEncryptionKey);
    this.deliveryInsert = new EntityInsertWriter(db.dataSource, WebhookDelivery);
  }

  onModuleInit(): void {
    this.events.onRecorded((manager, event, payload) => this.fanOut(manager, event, payload));
  }

  async fanOut(manager: EntityManager, event: Event, payload: EventPayload): Promise<void> {
    const endpoints = await this.endpointRows.select(
      manager,
      'WHERE organization_id = ? AND livemode = ? AND enabled = ? ORDER BY created_at ASC, id ASC',
      [event.organizationId, this.endpointRows.value('livemode', event.livemode), this.endpointRows.value('enabled', true)],
    );
    const subscribed = endpoints.filter((e) => e.subscribedEventTypes.includes(event.type));
    if (subscribed.length === 0) return;
    const plaintext = JSON.stringify(payload);
    const now = event.createdAt;
    const deliveries: WebhookDelivery[] = [];
    for (const endpoint of subscribed) {
      const [key] = await this.keyRows.select(
        manager,
        'WHERE endpoint_id = ? AND is_active = ? ORDER BY created_at DESC, id DESC LIMIT 1',
        [endpoint.id, this.keyRows.value('isActive', true)],
      );
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
    for (const delivery of deliveries) await this.deliveryInsert.insert(manager, delivery);
    if (deliveries.some((d) => d.status === 'pending')) this.dispatcher.nudgeAfterCommit(manager);
  }

  /** Never sent and never retried: claims are not kept in plaintext to send later. */
  private failClosed(delivery: WebhookDelivery, reason: 'encryption_failed' | 'no_active_encryption_key', now: Date): void {
    Object.assign(delivery, { status: 'failed', attemptCount: 1, lastAttemptAt: now, lastError: reason, payload: null });
  }
}
