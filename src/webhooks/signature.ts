import { createHmac } from 'node:crypto';

/** `v1` of §5.12: lowercase hex HMAC-SHA256 of `<t>.<body>`, keyed with the whole secret. */
export function signatureV1(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** `X-Kayle-Signature: t=<t>,v1=<current>[,v1=<previous>]`. */
export function signatureHeader(secrets: readonly string[], timestamp: number, body: string): string {
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${signatureV1(s, timestamp, body)}`)].join(',');
}
