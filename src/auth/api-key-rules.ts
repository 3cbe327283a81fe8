import { randomUUID } from 'node:crypto';
import { hmacHex } from '../common/crypto.js';
import { ApiError } from '../common/errors/api-error.js';
import { newId } from '../common/ids.js';
import type { ApiKey } from './entities/api-key.entity.js';
import { DEFAULT_SCOPES, SCOPES, type Scope } from './scopes.js';

// The rules of an API key (§2.1, §2.4) without Nest or TypeORM: ApiKeysService applies them
// through the entity manager, the admin CLI through its own SQL (src/cli/admin-sql/).

export const API_KEY_REVOKED = (): ApiError =>
  ApiError.conflict('API key is revoked.', 'Revoked API keys cannot be changed; create a new key.', 'api-keys');

export const API_KEY_NOT_FOUND = (docs = 'api-keys'): ApiError =>
  ApiError.notFound('API key not found.', 'Confirm the API key ID belongs to this organization.', docs);

export interface CreateApiKeyInput {
  organizationId: string;
  name: string;
  livemode?: boolean;
  scopes?: Scope[];
}

export interface UpdateApiKeyInput {
  name?: string;
  enabled?: boolean;
  scopes?: Scope[];
}

/** The stored columns of a key: the entity without its relation. */
export type ApiKeyRecord = Omit<ApiKey, 'organization'>;

/** Lowercase hex HMAC-SHA256(SERVER_SECRET, key): the only form in which a key is stored. */
export function hashApiKey(serverSecret: string, key: string): string {
  return hmacHex(serverSecret, key);
}

/** Scopes are kept in the canonical order of §2.2, without duplicates. */
export function normalizeScopes(scopes: readonly Scope[]): Scope[] {
  return SCOPES.filter((s) => scopes.includes(s));
}

/** A new key (its plaintext, shown once) and the record to store for it. */
export function newApiKey(input: CreateApiKeyInput, serverSecret: string, now = new Date()): { record: ApiKeyRecord; key: string } {
  const livemode = input.livemode ?? true;
  const key = newId.apiKey(livemode);
  const record: ApiKeyRecord = {
    id: randomUUID(),
    organizationId: input.organizationId,
    name: input.name.trim(),
    livemode,
    scopes: normalizeScopes(input.scopes ?? [...DEFAULT_SCOPES]),
    enabled: true,
    keyPrefix: key.slice(0, 12),
    keyHash: hashApiKey(serverSecret, key),
    lastUsedAt: null,
    revokedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  return { record, key };
}

/**
 * Applies `changes` to a stored key and returns the columns to write; a revoked key cannot
 * change (API_KEY_REVOKED).
 */
export function changeApiKey(
  row: ApiKeyRecord,
  changes: UpdateApiKeyInput,
  now = new Date(),
): Pick<ApiKeyRecord, 'name' | 'enabled' | 'scopes' | 'updatedAt'> {
  if (row.revokedAt) throw API_KEY_REVOKED();
  if (changes.name !== undefined) row.name = changes.name.trim();
  if (changes.enabled !== undefined) row.enabled = changes.enabled;
  if (changes.scopes !== undefined) row.scopes = normalizeScopes(changes.scopes);
  row.updatedAt = now;
  return { name: row.name, enabled: row.enabled, scopes: row.scopes, updatedAt: row.updatedAt };
}

/**
 * Revokes a stored key and returns the columns to write, or null when it already was revoked:
 * revocation is permanent and repeat calls change nothing.
 */
export function revokeApiKey(row: ApiKeyRecord, now = new Date()): Pick<ApiKeyRecord, 'revokedAt' | 'updatedAt'> | null {
  if (row.revokedAt) return null;
  row.revokedAt = now;
  row.updatedAt = now;
  return { revokedAt: now, updatedAt: now };
}
