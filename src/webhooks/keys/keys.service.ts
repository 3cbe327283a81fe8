import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../../auth/principal.js';
import { Clock } from '../../common/clock.js';
import { Page } from '../../common/envelope.js';
import { ApiError } from '../../common/errors/api-error.js';
import { newId } from '../../common/ids.js';
import { keysetPage } from '../../common/pagination.js';
import { DatabaseService } from '../../database/database.service.js';
import { WebhookEncryptionKey } from '../entities/webhook-encryption-key.entity.js';
import { WebhookEndpoint } from '../entities/webhook-endpoint.entity.js';
import { WebhookEndpointsService } from '../endpoints/endpoints.service.js';
import type { CreateKeyDto } from './dto/create-key.dto.js';
import { EncryptionKeyResponse } from './dto/key.response.js';
import type { ListKeysQuery } from './dto/list-keys.query.js';
import { importsAsEncryptionKey, KEY_ALGORITHM, KEY_TYPE, toPublicJwk } from './public-jwk.js';

export const keyNotFound = (anchor: 'deactivate' | 'reactivate'): ApiError =>
  ApiError.notFound(
    'Webhook encryption key not found.',
    'The webhook encryption key with the given ID was not found.',
    `webhooks/keys#${anchor}`,
  );

@Injectable()
export class WebhookKeysService {
  constructor(
    private readonly db: DatabaseService,
    private readonly clock: Clock,
    private readonly endpoints: WebhookEndpointsService,
  ) {}

  /** Stores the key active and deactivates every other key of the endpoint (§5.8). */
  async create(principal: Principal, endpointId: string, dto: CreateKeyDto): Promise<EncryptionKeyResponse> {
    const jwk = toPublicJwk(dto.jwk);
    // Still a body check (§1.3 step 8): answers before the endpoint's 404.
    if (!(await importsAsEncryptionKey(jwk))) {
      throw ApiError.badRequest('jwk', 'jwk could not be imported as an RSA-OAEP-256 public key.');
    }
    return this.db.transaction(async (m) => {
      // The endpoint's row lock serializes concurrent creates: one active key at the end.
      const endpoint = await this.endpoints.findVisibleIn(m, principal, endpointId, 'webhooks/keys#create', { lock: true });
      const now = this.clock.now();
      await m
        .createQueryBuilder()
        .update(WebhookEncryptionKey)
        .set({ isActive: false, disabledAt: now, updatedAt: now })
        .where('endpoint_id = :endpointId', { endpointId: endpoint.id })
        .andWhere('is_active = :active', { active: true })
        .execute();
      const key = Object.assign(new WebhookEncryptionKey(), {
        id: newId.encryptionKey(),
        endpointId: endpoint.id,
        livemode: endpoint.livemode,
        keyId: dto.key_id,
        algorithm: KEY_ALGORITHM,
        keyType: KEY_TYPE,
        jwk: { ...jwk },
        isActive: true,
        createdAt: now,
        updatedAt: now,
        disabledAt: null,
      } satisfies WebhookEncryptionKey);
      await m.insert(WebhookEncryptionKey, key);
      return EncryptionKeyResponse.from(key);
    });
  }

  async list(principal: Principal, endpointId: string, query: ListKeysQuery): Promise<Page<EncryptionKeyResponse>> {
    const page = await this.db.read(async (m) => {
      const endpoint = await this.endpoints.findVisibleIn(m, principal, endpointId, 'webhooks/keys#list');
      return keysetPage(
        m,
        WebhookEncryptionKey,
        'k',
        { limit: query.limit ?? 10, startingAfter: query.starting_after },
        (qb) => qb.where('k.endpoint_id = :endpointId', { endpointId: endpoint.id }),
        {
          filters: (qb) =>
            query.is_active === undefined ? qb : qb.andWhere('k.is_active = :isActive', { isActive: query.is_active }),
        },
      );
    });
    return new Page(page.items.map(EncryptionKeyResponse.from), page.pagination);
  }

  /** Sets `is_active: false` and `disabled_at` = now; a repeat refreshes `disabled_at`. */
  async deactivate(principal: Principal, id: string): Promise<EncryptionKeyResponse> {
    return this.db.transaction(async (m) => {
      const key = await this.findVisibleIn(m, principal, id, 'deactivate');
      const now = this.clock.now();
      Object.assign(key, { isActive: false, disabledAt: now, updatedAt: now });
      await m.update(WebhookEncryptionKey, { id: key.id }, { isActive: false, disabledAt: now, updatedAt: now });
      return EncryptionKeyResponse.from(key);
    });
  }

  /** Sets `is_active: true` and clears `disabled_at`; other keys are left alone. */
  async reactivate(principal: Principal, id: string): Promise<EncryptionKeyResponse> {
    return this.db.transaction(async (m) => {
      const key = await this.findVisibleIn(m, principal, id, 'reactivate');
      const now = this.clock.now();
      Object.assign(key, { isActive: true, disabledAt: null, updatedAt: now });
      await m.update(WebhookEncryptionKey, { id: key.id }, { isActive: true, disabledAt: null, updatedAt: now });
      return EncryptionKeyResponse.from(key);
    });
  }

  /** A key whose endpoint belongs to the caller's organization and environment, locked on PostgreSQL. */
  private async findVisibleIn(
    manager: EntityManager,
    principal: Principal,
    id: string,
    anchor: 'deactivate' | 'reactivate',
  ): Promise<WebhookEncryptionKey> {
    const qb = manager
      .createQueryBuilder(WebhookEncryptionKey, 'k')
      .innerJoin(WebhookEndpoint, 'e', 'e.id = k.endpoint_id')
      .where('k.id = :id', { id })
      .andWhere('e.organization_id = :org', { org: principal.organizationId })
      .andWhere('e.livemode = :livemode', { livemode: principal.livemode })
      .andWhere('k.livemode = :livemode', { livemode: principal.livemode });
    if (this.db.driver === 'postgres') qb.setLock('pessimistic_write', undefined, ['k']);
    const key = await qb.getOne();
    if (!key) throw keyNotFound(anchor);
    return key;
  }
}
