import { ApiProperty } from '@nestjs/swagger';
import type { WebhookEncryptionKey } from '../../entities/webhook-encryption-key.entity.js';

/** A webhook encryption key (§5.8): the receiver's RSA public key. */
export class EncryptionKeyResponse {
  /**
   * Key record id: `whk_` + 32 characters.
   * @example "whk_p0d2f5h8k1m4p7r0t3w6y9b2e5h8k1n4"
   */
  id: string;

  /**
   * The endpoint whose deliveries are encrypted to this key.
   * @example "whe_m3q8x1k4n7p0r2t5v8y1a4c7e0g3j6l9"
   */
  webhook_endpoint_id: string;

  /**
   * The endpoint's environment.
   * @example true
   */
  livemode: boolean;

  /**
   * Your name for the key; sent as the JWE `kid`.
   * @example "rsa-key-1"
   */
  key_id: string;

  /**
   * Always "RSA-OAEP-256".
   * @example "RSA-OAEP-256"
   */
  algorithm: string;

  /**
   * Always "RSA".
   * @example "RSA"
   */
  key_type: string;

  /** The public JWK as stored: `kty`, `n`, `e` and, when given, `alg`, `use`, `kid`. */
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { kty: 'RSA', n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbf…', e: 'AQAB' },
  })
  jwk: Record<string, string>;

  /**
   * New deliveries are encrypted to the endpoint's newest active key.
   * @example true
   */
  is_active: boolean;

  /**
   * When the key was registered.
   * @example "2026-11-26T10:00:00.000Z"
   */
  created_at: string;

  /**
   * When the key last changed.
   * @example "2026-11-26T10:00:00.000Z"
   */
  updated_at: string;

  /**
   * When the key was last deactivated; null while it is active.
   * @example null
   */
  disabled_at: string | null;

  static from(key: WebhookEncryptionKey): EncryptionKeyResponse {
    return {
      id: key.id,
      webhook_endpoint_id: key.endpointId,
      livemode: key.livemode,
      key_id: key.keyId,
      algorithm: key.algorithm,
      key_type: key.keyType,
      jwk: { ...key.jwk },
      is_active: key.isActive,
      created_at: key.createdAt.toISOString(),
      updated_at: key.updatedAt.toISOString(),
      disabled_at: key.disabledAt ? key.disabledAt.toISOString() : null,
    };
  }
}
