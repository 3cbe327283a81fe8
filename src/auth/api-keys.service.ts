import { Inject, Injectable, Logger } from '@nestjs/common';
import { hash as digest } from 'node:crypto';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { safeEqual } from '../common/crypto.js';
import { keysetPage, type KeysetQuery } from '../common/pagination.js';
import { DatabaseService } from '../database/database.service.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import {
  API_KEY_NOT_FOUND,
  changeApiKey,
  hashApiKey,
  newApiKey,
  revokeApiKey,
  type CreateApiKeyInput,
  type UpdateApiKeyInput,
} from './api-key-rules.js';
import { ApiKey } from './entities/api-key.entity.js';
import type { Principal } from './principal.js';

export { API_KEY_NOT_FOUND, API_KEY_REVOKED, type CreateApiKeyInput, type UpdateApiKeyInput } from './api-key-rules.js';

const API_KEY_FORMAT = /^kk_(live|test)_[a-z0-9]{32}$/;
/** How long a resolved key is trusted before the database is asked again. */
const AUTH_CACHE_TTL_MS = 3_000;
const AUTH_CACHE_MAX = 10_000;
const LAST_USED_RESOLUTION_MS = 60_000;

/** A resolved key: `keyHash` (the stored HMAC) lets an update or a revoke find and drop it. */
type CachedPrincipal = { principal: Principal | null; keyHash: string; expiresAt: number };

@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);
  /**
   * Keyed by a plain SHA-256 of the key (one native call, no key schedule: a third of the
   * cost of the HMAC, which only a miss computes), so no key is held in memory as such.
   */
  private readonly cache = new Map<string, CachedPrincipal>();
  private readonly lastTouched = new Map<string, number>();

  constructor(
    private readonly db: DatabaseService,
    private readonly organizations: OrganizationsService,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {}

  hashKey(key: string): string {
    return hashApiKey(this.config.serverSecret, key);
  }

  /**
   * Resolves a bearer key to its caller, or null for every 401 case of §2.1. Results are
   * cached for a few seconds, so a disable or revoke on another instance takes effect
   * within AUTH_CACHE_TTL_MS (in this instance, at once: see forget()).
   */
  async authenticate(key: string): Promise<Principal | null> {
    if (!API_KEY_FORMAT.test(key)) return null;
    const fingerprint = cacheKey(key);
    const known = this.fromCache(fingerprint, Date.now());
    if (known !== undefined) return known;
    const hash = this.hashKey(key);
    const row = await this.db.read((m) => m.findOne(ApiKey, { where: { keyHash: hash } }));
    const principal =
      row && safeEqual(row.keyHash, hash) && row.enabled && !row.revokedAt
        ? { apiKeyId: row.id, organizationId: row.organizationId, livemode: row.livemode, scopes: row.scopes }
        : null;
    // The clock is read again: the read may have waited, and the entry lives from now.
    const now = Date.now();
    if (this.cache.size >= AUTH_CACHE_MAX) this.cache.clear();
    this.cache.set(fingerprint, { principal, keyHash: hash, expiresAt: now + AUTH_CACHE_TTL_MS });
    if (principal) {
      if (row?.lastUsedAt && !this.lastTouched.has(principal.apiKeyId)) {
        this.lastTouched.set(principal.apiKeyId, row.lastUsedAt.getTime());
      }
      this.touch(principal.apiKeyId, now);
    }
    return principal;
  }

  /**
   * The caller of a key resolved in the last AUTH_CACHE_TTL_MS, without a promise or a
   * database read; undefined when the key is unknown here, expired or refused (those go the
   * long way, through passport, which answers the 401).
   */
  cachedPrincipal(key: string): Principal | undefined {
    if (!API_KEY_FORMAT.test(key)) return undefined;
    return this.fromCache(cacheKey(key), Date.now()) ?? undefined;
  }

  private fromCache(fingerprint: string, now: number): Principal | null | undefined {
    const cached = this.cache.get(fingerprint);
    if (!cached || cached.expiresAt <= now) return undefined;
    if (cached.principal) this.touch(cached.principal.apiKeyId, now);
    return cached.principal;
  }

  /** `last_used_at` moves at most once a minute per key (§2.1), off the request path. */
  private touch(apiKeyId: string, now: number): void {
    const last = this.lastTouched.get(apiKeyId);
    if (last !== undefined && now - last < LAST_USED_RESOLUTION_MS) return;
    this.lastTouched.set(apiKeyId, now);
    this.db
      .write((m) =>
        m
          .createQueryBuilder()
          .update(ApiKey)
          .set({ lastUsedAt: new Date(now) })
          .where('id = :id', { id: apiKeyId })
          .andWhere('(last_used_at IS NULL OR last_used_at <= :cutoff)', { cutoff: now - LAST_USED_RESOLUTION_MS })
          .execute(),
      )
      .catch((err: unknown) => this.logger.warn(`Could not record last_used_at: ${(err as Error).message}`));
  }

  async create(input: CreateApiKeyInput): Promise<{ apiKey: ApiKey; key: string }> {
    await this.organizations.get(input.organizationId);
    const created = this.build(input);
    await this.db.transaction((m) => m.insert(ApiKey, created.apiKey));
    return created;
  }

  /** A new key and its row, not yet stored: for callers that insert it inside their own transaction. */
  build(input: CreateApiKeyInput): { apiKey: ApiKey; key: string } {
    const { record, key } = newApiKey(input, this.config.serverSecret);
    return { apiKey: Object.assign(new ApiKey(), record), key };
  }

  async list(organizationId: string, page: KeysetQuery) {
    await this.organizations.get(organizationId);
    return this.db.read((m) =>
      keysetPage(m, ApiKey, 'k', page, (qb) => qb.where('k.organization_id = :organizationId', { organizationId }), {
        cursorError: 'starting_after',
      }),
    );
  }

  async listAll(organizationId: string): Promise<ApiKey[]> {
    await this.organizations.get(organizationId);
    return this.db.read((m) =>
      m.find(ApiKey, { where: { organizationId }, order: { createdAt: 'DESC', id: 'DESC' } }),
    );
  }

  async get(id: string): Promise<ApiKey> {
    const row = await this.db.read((m) => m.findOne(ApiKey, { where: { id } }));
    if (!row) throw API_KEY_NOT_FOUND();
    return row;
  }

  async update(id: string, changes: UpdateApiKeyInput): Promise<ApiKey> {
    const updated = await this.db.transaction(async (m) => {
      const row = await m.findOne(ApiKey, { where: { id } });
      if (!row) throw API_KEY_NOT_FOUND();
      await m.update(ApiKey, { id }, changeApiKey(row, changes));
      return row;
    });
    this.forget(updated.keyHash);
    return updated;
  }

  /** Permanent; repeat calls return the key unchanged. */
  async revoke(id: string): Promise<ApiKey> {
    const revoked = await this.db.transaction(async (m) => {
      const row = await m.findOne(ApiKey, { where: { id } });
      if (!row) throw API_KEY_NOT_FOUND();
      const columns = revokeApiKey(row);
      if (columns) await m.update(ApiKey, { id }, columns);
      return row;
    });
    this.forget(revoked.keyHash);
    return revoked;
  }

  /** Updates and revokes are rare: a scan of the (bounded) cache is cheaper than a second index. */
  private forget(keyHash: string): void {
    for (const [fingerprint, entry] of this.cache) if (entry.keyHash === keyHash) this.cache.delete(fingerprint);
  }
}

function cacheKey(key: string): string {
  return digest('sha256', key, 'base64');
}
