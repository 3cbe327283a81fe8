import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './schema.js';

export type { components, operations, paths };
export { decryptKaylePayload, SIGNATURE_TOLERANCE_S, verifyKayleSignature, type KaylePayload } from './receiver.js';

type Schemas = components['schemas'];

/** A session as the API returns it. */
export type Session = Schemas['SessionResponse'];
/** The error object of an envelope error; branch on `code`. */
export type ApiErrorBody = Schemas['ErrorBody'];
/** `{data: null, error}` of every business-API error. */
export type ApiErrorEnvelope = Schemas['ErrorEnvelope'];

export interface PasslineClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where Passline runs, e.g. `https://passline.example.com`. */
  baseUrl: string;
  /** A `kk_live_…` or `kk_test_…` key (or the admin token for `/v1/admin/*`). */
  apiKey: string;
}

export type PasslineClient = Client<paths>;

/**
 * A typed client of the Passline REST API (openapi-fetch over the generated `paths`):
 * every call's path, parameters, body and response envelope are checked at compile time.
 *
 *   const passline = createPasslineClient({ baseUrl, apiKey: 'kk_test_…' });
 *   const { data, error } = await passline.POST('/v1/sessions', { body: { expires_in: 900 } });
 */
export function createPasslineClient(options: PasslineClientOptions): PasslineClient {
  const { apiKey, headers, ...rest } = options;
  return createClient<paths>({
    ...rest,
    headers: { ...(headers as Record<string, string> | undefined), Authorization: `Bearer ${apiKey}` },
  });
}

/** A fresh idempotency key for a POST you may retry (§1.9). */
export const newIdempotencyKey = (): string => crypto.randomUUID();
