import { createHmac, timingSafeEqual } from 'node:crypto';
import { compactDecrypt, importJWK, type JWK } from 'jose';

/**
 * Helpers for businesses that receive Passline webhooks (§5.12). Use them on the raw
 * request body, before any JSON parsing:
 *
 *   if (!verifyKayleSignature(req.headers['x-kayle-signature'], rawBody, [secret])) return 400;
 *   const payload = await decryptKaylePayload(rawBody, { 'rsa-key-1': privateJwk });
 *   // drop duplicates by payload.metadata.event_id, answer 2xx quickly
 */

/** The default clock tolerance between `t` and now, in seconds. */
export const SIGNATURE_TOLERANCE_S = 300;

/**
 * True when `header` (X-Kayle-Signature) carries a `v1` made with one of `secrets` over
 * `<t>.<rawBody>` and `t` is within `toleranceS` of `nowS`. Compares in constant time.
 */
export function verifyKayleSignature(
  header: string | undefined,
  rawBody: string | Buffer,
  secrets: readonly string[],
  nowS: number = Math.floor(Date.now() / 1000),
  toleranceS: number = SIGNATURE_TOLERANCE_S,
): boolean {
  if (!header) return false;
  const pairs = header.split(',').map((part) => {
    const i = part.indexOf('=');
    return i < 0 ? [part.trim(), ''] : [part.slice(0, i).trim(), part.slice(i + 1).trim()];
  });
  const tValue = pairs.find(([k]) => k === 't')?.[1];
  if (!tValue || !/^\d+$/.test(tValue)) return false;
  const t = Number(tValue);
  if (Math.abs(nowS - t) > toleranceS) return false;
  const given = pairs.filter(([k]) => k === 'v1').map(([, v]) => Buffer.from(v, 'utf8'));
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  let matched = false;
  for (const secret of secrets) {
    const expected = Buffer.from(
      createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${t}.`, 'utf8').update(body).digest('hex'),
      'utf8',
    );
    for (const candidate of given) {
      // Every pair is compared, so the time taken does not depend on which one matches.
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
    }
  }
  return matched;
}

export interface KaylePayload {
  type: string;
  data: Record<string, unknown>;
  metadata: { event_id: string; contract_version: number; livemode: boolean; [key: string]: unknown };
}

/**
 * Decrypts a delivery body (compact JWE, RSA-OAEP-256 + A256GCM) with the private JWK
 * named by its `kid`, and parses the JSON payload of §5.11.
 */
export async function decryptKaylePayload(
  jwe: string | Buffer,
  privateKeys: Record<string, JWK>,
): Promise<KaylePayload> {
  const compact = typeof jwe === 'string' ? jwe : jwe.toString('utf8');
  const { plaintext } = await compactDecrypt(compact, async (header) => {
    if (header.alg !== 'RSA-OAEP-256' || header.enc !== 'A256GCM') throw new Error('Unexpected JWE algorithms');
    const jwk = header.kid ? privateKeys[header.kid] : undefined;
    if (!jwk) throw new Error(`No private key for kid ${String(header.kid)}`);
    return importJWK(jwk, 'RSA-OAEP-256');
  });
  return JSON.parse(new TextDecoder().decode(plaintext)) as KaylePayload;
}
