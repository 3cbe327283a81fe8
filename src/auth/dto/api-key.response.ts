import { ApiProperty } from '@nestjs/swagger';
import { SCOPES, type Scope } from '../scopes.js';

/** An API key record (§2.4). The secret itself is never part of it. */
export class ApiKeyResponse {
  /**
   * API key record id (UUID v4).
   * @example "0b6f3c1a-2d4e-4f5a-8b9c-1d2e3f4a5b6c"
   */
  id: string;

  /**
   * The organization the key acts for.
   * @example "5d1c2f9e-8a41-4c1b-9b7e-0f3a5e2d7c10"
   */
  organization_id: string;

  /**
   * Label for humans.
   * @example "Backend"
   */
  name: string;

  /**
   * `true` for `kk_live_` keys, `false` for `kk_test_` keys.
   * @example true
   */
  livemode: boolean;

  /** What the key may do; at least one of the four scopes. */
  @ApiProperty({ enum: SCOPES, isArray: true, example: [...SCOPES] })
  scopes: Scope[];

  /**
   * Disabled keys get 401 until enabled again.
   * @example true
   */
  enabled: boolean;

  /**
   * First 12 characters of the key, to recognise it.
   * @example "kk_live_4f9a"
   */
  key_prefix: string;

  /**
   * Last authenticated use, at one-minute resolution.
   * @example null
   */
  last_used_at: string | null;

  /**
   * When the key was revoked; revocation is permanent.
   * @example null
   */
  revoked_at: string | null;

  /**
   * When the key was created.
   * @example "2026-11-26T10:00:00.000Z"
   */
  created_at: string;

  /**
   * When the key last changed (name, scopes, enabled, revocation).
   * @example "2026-11-26T10:00:00.000Z"
   */
  updated_at: string;
}

/** The creation response: the record plus the plaintext key, shown only this once. */
export class CreatedApiKeyResponse extends ApiKeyResponse {
  /**
   * The API key. Store it now: it cannot be shown again.
   * @example "kk_live_4f9a8c2b7d1e0f3a5b6c7d8e9f0a1b2c"
   */
  key: string;
}
