import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../../auth/principal.js';
import { Clock } from '../../common/clock.js';
import { Page } from '../../common/envelope.js';
import { ApiError, INTERNAL_ERROR } from '../../common/errors/api-error.js';
import { newId } from '../../common/ids.js';
import { keysetPage } from '../../common/pagination.js';
import { SecretBox } from '../../common/secret-box.js';
import { assertEndpointUrl } from '../../common/url-policy.js';
import { appConfig, type AppConfig } from '../../config/app.config.js';
import { DatabaseService } from '../../database/database.service.js';
import { EVENT_TYPES, type EventType } from '../../events/entities/event.entity.js';
import { WebhookEndpoint } from '../entities/webhook-endpoint.entity.js';
import type { CreateEndpointDto } from './dto/create-endpoint.dto.js';
import { CreatedEndpointResponse, DeletedEndpointResponse, EndpointResponse } from './dto/endpoint.response.js';
import type { ListEndpointsQuery } from './dto/list-endpoints.query.js';
import { DEFAULT_PREVIOUS_SECRET_EXPIRES_IN_S, type RotateSigningSecretDto } from './dto/rotate-signing-secret.dto.js';
import type { RotatedSigningSecretResponse, SigningSecretResponse } from './dto/signing-secret.response.js';
import type { UpdateEndpointDto } from './dto/update-endpoint.dto.js';

/** Subscribed when `subscribed_event_types` is left out (§5.1): the four session types. */
export const DEFAULT_EVENT_TYPES: readonly EventType[] = EVENT_TYPES.filter((t) => t.startsWith('verification.session.'));

/** Docs anchors of the routes that take an `endpoint_id` (§5.4). */
export type EndpointDocs =
  | 'webhooks/endpoints#get-by-id'
  | 'webhooks/endpoints#update'
  | 'webhooks/endpoints#delete'
  | 'webhooks/endpoints#reveal-signing-secret'
  | 'webhooks/endpoints#rotate-signing-secret'
  | 'webhooks/keys#create'
  | 'webhooks/keys#list';

export const endpointNotFound = (docsPath: EndpointDocs): ApiError =>
  ApiError.notFound('Webhook endpoint not found.', 'The webhook endpoint with the given ID was not found.', docsPath);

export const UPDATE_NOTHING_HINT = 'At least one of `name`, `url`, `enabled` or `subscribed_event_types` must be provided.';

/** Keeps the first occurrence of each type, in the order given (§5.3). */
export function uniqueEventTypes(types: readonly EventType[]): EventType[] {
  return [...new Set(types)];
}

@Injectable()
export class WebhookEndpointsService {
  private readonly logger = new Logger(WebhookEndpointsService.name);
  private readonly box: SecretBox;

  constructor(
    private readonly db: DatabaseService,
    private readonly clock: Clock,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {
    this.box = new SecretBox(config.serverSecret);
  }

  async list(principal: Principal, query: ListEndpointsQuery): Promise<Page<EndpointResponse>> {
    const page = await this.db.read((m) =>
      keysetPage(
        m,
        WebhookEndpoint,
        'e',
        { limit: query.limit ?? 10, startingAfter: query.starting_after },
        (qb) =>
          qb
            .where('e.organization_id = :org', { org: principal.organizationId })
            .andWhere('e.livemode = :livemode', { livemode: principal.livemode }),
        {
          filters: (qb) =>
            query.enabled === undefined ? qb : qb.andWhere('e.enabled = :enabled', { enabled: query.enabled }),
        },
      ),
    );
    return new Page(page.items.map(EndpointResponse.from), page.pagination);
  }

  async create(principal: Principal, dto: CreateEndpointDto): Promise<CreatedEndpointResponse> {
    assertEndpointUrl('url', dto.url, this.config.isProduction, this.config.webhooks.network);
    const now = this.clock.now();
    const enabled = dto.enabled ?? true;
    const signingSecret = newId.signingSecret();
    const endpoint = Object.assign(new WebhookEndpoint(), {
      id: newId.endpoint(),
      organizationId: principal.organizationId,
      livemode: principal.livemode,
      name: dto.name == null ? null : dto.name.trim(),
      url: dto.url,
      enabled,
      subscribedEventTypes: uniqueEventTypes(dto.subscribed_event_types ?? DEFAULT_EVENT_TYPES),
      signingSecret: this.box.seal(signingSecret),
      previousSigningSecret: null,
      previousSecretExpiresAt: null,
      createdAt: now,
      updatedAt: now,
      disabledAt: enabled ? null : now,
    } satisfies WebhookEndpoint);
    await this.db.transaction((m) => m.insert(WebhookEndpoint, endpoint));
    return { endpoint: EndpointResponse.from(endpoint), signing_secret: signingSecret };
  }

  async get(principal: Principal, id: string): Promise<EndpointResponse> {
    const endpoint = await this.db.read((m) => this.findVisibleIn(m, principal, id, 'webhooks/endpoints#get-by-id'));
    return EndpointResponse.from(endpoint);
  }

  async update(principal: Principal, id: string, dto: UpdateEndpointDto): Promise<EndpointResponse> {
    // Body errors come before the 404 (§1.3 steps 8 and 9).
    if (dto.name === undefined && dto.url === undefined && dto.enabled === undefined && dto.subscribed_event_types === undefined) {
      throw ApiError.badRequest(undefined, UPDATE_NOTHING_HINT, 'webhooks/endpoints#update');
    }
    if (dto.url !== undefined) assertEndpointUrl('url', dto.url, this.config.isProduction, this.config.webhooks.network);
    return this.db.transaction(async (m) => {
      const endpoint = await this.findVisibleIn(m, principal, id, 'webhooks/endpoints#update', { lock: true });
      const now = this.clock.now();
      if (dto.name !== undefined) endpoint.name = dto.name === null ? null : dto.name.trim();
      if (dto.url !== undefined) endpoint.url = dto.url;
      if (dto.subscribed_event_types !== undefined) endpoint.subscribedEventTypes = uniqueEventTypes(dto.subscribed_event_types);
      if (dto.enabled !== undefined) {
        endpoint.enabled = dto.enabled;
        endpoint.disabledAt = dto.enabled ? null : now;
      }
      endpoint.updatedAt = now;
      await m.update(
        WebhookEndpoint,
        { id },
        {
          name: endpoint.name,
          url: endpoint.url,
          enabled: endpoint.enabled,
          subscribedEventTypes: endpoint.subscribedEventTypes,
          disabledAt: endpoint.disabledAt,
          updatedAt: endpoint.updatedAt,
        },
      );
      return EndpointResponse.from(endpoint);
    });
  }

  /** Hard delete (§5.6): keys and deliveries go with it through ON DELETE CASCADE; events stay. */
  async delete(principal: Principal, id: string): Promise<DeletedEndpointResponse> {
    await this.db.transaction(async (m) => {
      await this.findVisibleIn(m, principal, id, 'webhooks/endpoints#delete', { lock: true });
      await m.delete(WebhookEndpoint, { id });
    });
    return { message: 'Webhook endpoint deleted.', status: 'success' };
  }

  async revealSigningSecret(principal: Principal, id: string): Promise<SigningSecretResponse> {
    const endpoint = await this.db.read((m) =>
      this.findVisibleIn(m, principal, id, 'webhooks/endpoints#reveal-signing-secret'),
    );
    return { endpoint_id: endpoint.id, signing_secret: this.openSecret(endpoint) };
  }

  /**
   * The current secret becomes the previous one until `previous_secret_expires_in`
   * seconds from now (none at all with 0), and a new current one is generated (§5.7).
   */
  async rotateSigningSecret(
    principal: Principal,
    id: string,
    dto: RotateSigningSecretDto,
  ): Promise<RotatedSigningSecretResponse> {
    const keepPreviousS = dto.previous_secret_expires_in ?? DEFAULT_PREVIOUS_SECRET_EXPIRES_IN_S;
    return this.db.transaction(async (m) => {
      const endpoint = await this.findVisibleIn(m, principal, id, 'webhooks/endpoints#rotate-signing-secret', { lock: true });
      const now = this.clock.now();
      const signingSecret = newId.signingSecret();
      // The sealed current secret moves as is; a new rotation drops the older previous one.
      const previous = keepPreviousS > 0 ? endpoint.signingSecret : null;
      const previousExpiresAt = keepPreviousS > 0 ? new Date(now.getTime() + keepPreviousS * 1000) : null;
      await m.update(
        WebhookEndpoint,
        { id },
        {
          signingSecret: this.box.seal(signingSecret),
          previousSigningSecret: previous,
          previousSecretExpiresAt: previousExpiresAt,
          updatedAt: now,
        },
      );
      return {
        endpoint_id: endpoint.id,
        signing_secret: signingSecret,
        previous_secret_expires_at: previousExpiresAt ? previousExpiresAt.toISOString() : null,
      };
    });
  }

  /**
   * The endpoint if it belongs to the caller's organization and environment, else the
   * 404 of `docsPath`. `lock` takes a row lock on PostgreSQL for read-modify-write.
   */
  async findVisibleIn(
    manager: EntityManager,
    principal: Principal,
    id: string,
    docsPath: EndpointDocs,
    options: { lock?: boolean } = {},
  ): Promise<WebhookEndpoint> {
    const qb = manager
      .createQueryBuilder(WebhookEndpoint, 'e')
      .where('e.id = :id', { id })
      .andWhere('e.organization_id = :org', { org: principal.organizationId })
      .andWhere('e.livemode = :livemode', { livemode: principal.livemode });
    if (options.lock && this.db.driver === 'postgres') qb.setLock('pessimistic_write');
    const endpoint = await qb.getOne();
    if (!endpoint) throw endpointNotFound(docsPath);
    return endpoint;
  }

  private openSecret(endpoint: WebhookEndpoint): string {
    try {
      return this.box.open(endpoint.signingSecret).toString('utf8');
    } catch (err) {
      // Sealed under another SERVER_SECRET, or altered at rest.
      this.logger.error(`Signing secret of ${endpoint.id} cannot be decrypted: ${(err as Error).message}`);
      throw INTERNAL_ERROR();
    }
  }
}
