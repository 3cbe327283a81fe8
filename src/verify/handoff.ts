import { hmacHex } from '../common/crypto.js';
import { SESSION_ID_PATTERN } from '../common/ids.js';

/** A handoff token is valid for 5 minutes after it is issued (§6.3). */
export const HANDOFF_TOKEN_TTL_MS = 5 * 60_000;
/** A page reload within this window gets the same attempt and token back (§6.3). */
export const HANDOFF_REUSE_WINDOW_MS = 60_000;

export const DEEP_LINK_PREFIX = 'kayle-id://';
/** Generous bound on a deep link: the real ones are about 700 characters. */
export const MAX_DEEP_LINK_LENGTH = 2048;

const ATTEMPT_ID_PATTERN = /^va_[a-z0-9]{64}$/;
const TOKEN_PATTERN = /^[0-9a-f]{64}$/;
const ISO_UTC_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The `data` of a handoff response (§6.3), which the deep link and QR code carry. */
export interface HandoffData {
  v: 1;
  session_id: string;
  attempt_id: string;
  mobile_write_token: string;
  expires_at: string;
  websocket_url: string;
}

/**
 * `mobile_write_token` = hex HMAC-SHA256(SERVER_SECRET, `verify_handoff_token_v1|<session>|<attempt>|<issued_at>|<seed>`).
 * Only the seed is stored, so the token of an unused handoff can be re-derived for the
 * reuse window without ever being stored.
 */
export function deriveHandoffToken(secret: string, sessionId: string, attemptId: string, issuedAt: Date, seed: string): string {
  return hmacHex(secret, `verify_handoff_token_v1|${sessionId}|${attemptId}|${issuedAt.toISOString()}|${seed}`);
}

/** `ws` for an `http` base, `wss` for `https`, then `/v1/verify/session/<id>` (§6.3). */
export function websocketUrlFor(publicBaseUrl: string, sessionId: string): string {
  const base = publicBaseUrl.replace(/\/+$/, '').replace(/^http(s?):\/\//i, (_match, secure: string) => (secure ? 'wss://' : 'ws://'));
  return `${base}/v1/verify/session/${sessionId}`;
}

/**
 * `kayle-id://` + encodeURIComponent(JSON of data) (§6.3): the form the Kayle iOS app's QR parser
 * reads (it strips the scheme and an optional `/`, percent-decodes and decodes the JSON).
 */
export function deepLinkFor(data: HandoffData): string {
  return DEEP_LINK_PREFIX + encodeURIComponent(JSON.stringify(data));
}

/**
 * The handoff data inside a deep link, or null when the link is not a well-formed
 * kayle-id handoff link: exactly the six fields of §6.3, each in its own format.
 */
export function parseDeepLink(link: string): HandoffData | null {
  if (link.length > MAX_DEEP_LINK_LENGTH || !link.startsWith(DEEP_LINK_PREFIX)) return null;
  const payload = link.slice(DEEP_LINK_PREFIX.length);
  // What encodeURIComponent leaves as it is, plus the escapes: nothing else belongs in the link.
  if (!/^(?:[A-Za-z0-9\-_.!~*'()]|%[0-9A-Fa-f]{2})+$/.test(payload)) return null;
  let data: unknown;
  try {
    data = JSON.parse(decodeURIComponent(payload));
  } catch {
    return null;
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) return null;
  const d = data as Record<string, unknown>;
  const keys = Object.keys(d).sort().join(',');
  if (keys !== 'attempt_id,expires_at,mobile_write_token,session_id,v,websocket_url') return null;
  const wellFormed =
    d.v === 1 &&
    typeof d.session_id === 'string' &&
    SESSION_ID_PATTERN.test(d.session_id) &&
    typeof d.attempt_id === 'string' &&
    ATTEMPT_ID_PATTERN.test(d.attempt_id) &&
    typeof d.mobile_write_token === 'string' &&
    TOKEN_PATTERN.test(d.mobile_write_token) &&
    typeof d.expires_at === 'string' &&
    ISO_UTC_PATTERN.test(d.expires_at) &&
    typeof d.websocket_url === 'string' &&
    /^wss?:\/\/\S+$/.test(d.websocket_url) &&
    d.websocket_url.endsWith(`/v1/verify/session/${d.session_id}`);
  return wellFormed ? (d as unknown as HandoffData) : null;
}
