import { CompactEncrypt, importJWK, type JWK } from 'jose';

type PublicKey = Awaited<ReturnType<typeof importJWK>>;

/**
 * Compact JWE of §5.12: protected header exactly {"alg":"RSA-OAEP-256","enc":"A256GCM",
 * "kid":"<key_id>"}, a fresh content key per call.
 */
export class JweEncrypter {
  private readonly keys = new Map<string, PublicKey>();

  async encrypt(plaintext: string, key: { id: string; keyId: string; jwk: JWK }): Promise<string> {
    let publicKey = this.keys.get(key.id);
    if (!publicKey) {
      publicKey = await importJWK({ kty: key.jwk.kty, n: key.jwk.n, e: key.jwk.e }, 'RSA-OAEP-256');
      if (this.keys.size > 1000) this.keys.clear();
      this.keys.set(key.id, publicKey);
    }
    return new CompactEncrypt(new TextEncoder().encode(plaintext))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: key.keyId })
      .encrypt(publicKey);
  }
}
