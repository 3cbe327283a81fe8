import { importJWK } from 'jose';

export const KEY_ALGORITHM = 'RSA-OAEP-256';
export const KEY_TYPE = 'RSA';
export const MIN_MODULUS_BITS = 2048;

/** Members that only a private key has (RFC 7518 §6.3.2); any of them is refused. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** What is stored and returned of a receiver's JWK: the public members only. */
export interface PublicRsaJwk {
  kty: 'RSA';
  n: string;
  e: string;
  alg?: string;
  use?: string;
  kid?: string;
}

/** Bit length of a big-endian unsigned integer, leading zero bytes ignored. */
export function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]));
}

/**
 * Why `value` is not an acceptable RSA public encryption JWK (§5.8), or null. Pure and
 * synchronous: structure only; `importPublicJwk` then checks that a real key results.
 */
export function publicJwkProblem(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'jwk must be a JSON object';
  const jwk = value as Record<string, unknown>;
  const privateMember = PRIVATE_MEMBERS.find((member) => member in jwk);
  if (privateMember) return `jwk must be a public key; remove the private member \`${privateMember}\``;
  if (jwk.kty !== KEY_TYPE) return 'jwk.kty must be "RSA"';
  for (const member of ['n', 'e'] as const) {
    const part = jwk[member];
    if (typeof part !== 'string' || !BASE64URL.test(part)) return `jwk.${member} must be a base64url string without padding`;
  }
  const modulusBits = bitLength(Buffer.from(jwk.n as string, 'base64url'));
  if (modulusBits < MIN_MODULUS_BITS) {
    return `jwk.n must be a modulus of at least ${MIN_MODULUS_BITS} bits (this one has ${modulusBits})`;
  }
  // WebCrypto imports e = 0 or 1 without complaint; e = 1 would send the plaintext as is.
  const exponent = Buffer.from(jwk.e as string, 'base64url');
  if (bitLength(exponent) < 2 || (exponent[exponent.length - 1] & 1) === 0) {
    return 'jwk.e must be an odd public exponent of at least 3';
  }
  if (jwk.alg !== undefined && jwk.alg !== KEY_ALGORITHM) return `jwk.alg must be "${KEY_ALGORITHM}" when present`;
  if (jwk.use !== undefined && jwk.use !== 'enc') return 'jwk.use must be "enc" when present';
  if (jwk.kid !== undefined && typeof jwk.kid !== 'string') return 'jwk.kid must be a string when present';
  return null;
}

/** The public members of a JWK that passed `publicJwkProblem`, in a fixed order. */
export function toPublicJwk(jwk: Record<string, unknown>): PublicRsaJwk {
  const out: PublicRsaJwk = { kty: KEY_TYPE, n: jwk.n as string, e: jwk.e as string };
  if (typeof jwk.alg === 'string') out.alg = jwk.alg;
  if (typeof jwk.use === 'string') out.use = jwk.use;
  if (typeof jwk.kid === 'string') out.kid = jwk.kid;
  return out;
}

/** True when the key imports as an RSA-OAEP-256 public key, as the delivery engine will use it. */
export async function importsAsEncryptionKey(jwk: PublicRsaJwk): Promise<boolean> {
  try {
    await importJWK({ ...jwk }, KEY_ALGORITHM);
    return true;
  } catch {
    return false;
  }
}
