/** The browser side of the flow that a device client needs: reading the link and the handoff (§6.3). */

const SESSION_ID = /^vs_[A-Za-z0-9]{64}$/;

/** The handoff response's `data` (§6.3). */
export interface Handoff {
  v: number;
  session_id: string;
  attempt_id: string;
  mobile_write_token: string;
  expires_at: string;
  websocket_url: string;
}

/** A public error (§6.2) or a transport failure, shaped like an error frame. */
export interface HandoffFailure {
  type: 'error';
  code: string;
  message: string;
  status?: number;
}

/**
 * Splits a `verification_url` (`<base>/verify/<session id>`, §8) into the API base and the
 * session id. The API lives beside the page, so the base keeps any path prefix before `/verify`.
 * Throws a RangeError for anything else.
 */
export function parseVerificationUrl(verificationUrl: string): { apiBase: string; sessionId: string } {
  let url: URL;
  try {
    url = new URL(verificationUrl);
  } catch {
    throw new RangeError(`"${verificationUrl}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RangeError(`"${verificationUrl}" is not an http(s) URL`);
  const match = /^(.*)\/verify\/([^/]+)\/?$/.exec(url.pathname);
  if (!match || !SESSION_ID.test(decodeURIComponent(match[2]))) {
    throw new RangeError(`"${verificationUrl}" is not a verification URL: expected <base>/verify/vs_<64 letters and digits>`);
  }
  return { apiBase: `${url.origin}${match[1]}`, sessionId: decodeURIComponent(match[2]) };
}

/** POST /v1/verify/session/:id/handoff; a refusal comes back as a HandoffFailure, never a throw. */
export async function requestHandoff(
  apiBase: string,
  sessionId: string,
  options: { timeoutMs?: number } = {},
): Promise<{ ok: true; handoff: Handoff } | { ok: false; failure: HandoffFailure }> {
  let response: Response;
  try {
    response = await fetch(`${apiBase}/v1/verify/session/${encodeURIComponent(sessionId)}/handoff`, {
      method: 'POST',
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
  } catch (error) {
    return { ok: false, failure: { type: 'error', code: 'HANDOFF_UNREACHABLE', message: `Handoff request failed: ${describe(error)}` } };
  }
  const body = (await response.json().catch(() => null)) as { data?: Handoff; error?: { code?: string; message?: string } } | null;
  if (response.status === 200 && body?.data?.websocket_url) return { ok: true, handoff: body.data };
  return {
    ok: false,
    failure: {
      type: 'error',
      code: body?.error?.code ?? 'HANDOFF_FAILED',
      message: body?.error?.message ?? `Handoff answered HTTP ${response.status}`,
      status: response.status,
    },
  };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
