import type { ApiKeyRecord } from '../api-key-rules.js';
import type { ApiKeyResponse, CreatedApiKeyResponse } from './api-key.response.js';

// The mapping lives outside api-key.response.ts: that file (its @ApiProperty, and the Swagger
// plugin's rewrite) loads @nestjs/swagger at runtime (~1 s), which the admin CLI does without.

/** An API key record as the API and the CLI print it (§2.4); never the secret. */
export function apiKeyResponse(key: ApiKeyRecord): ApiKeyResponse {
  return {
    id: key.id,
    organization_id: key.organizationId,
    name: key.name,
    livemode: key.livemode,
    scopes: key.scopes,
    enabled: key.enabled,
    key_prefix: key.keyPrefix,
    last_used_at: key.lastUsedAt ? key.lastUsedAt.toISOString() : null,
    revoked_at: key.revokedAt ? key.revokedAt.toISOString() : null,
    created_at: key.createdAt.toISOString(),
    updated_at: key.updatedAt.toISOString(),
  };
}

/** The creation response: the record plus the plaintext key, shown only this once. */
export function createdApiKeyResponse(apiKey: ApiKeyRecord, key: string): CreatedApiKeyResponse {
  return { ...apiKeyResponse(apiKey), key };
}
