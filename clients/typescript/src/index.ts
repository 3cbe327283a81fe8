import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import { ERROR_CODES } from './error-codes.js';
import type { components, operations, paths } from './schema.js';

export type { components, operations, paths };
export { decryptKaylePayload, SIGNATURE_TOLERANCE_S, verifyKayleSignature, type KaylePayload } from './receiver.js';
export { ERROR_CODES };

type Schemas = components['schemas'];

/** A session as the API returns it. */
export type Session = Schemas['SessionResponse'];
/** The error object of an envelope error; branch on `code`. */
export type ApiErrorBody = Schemas['ErrorBody'];
/** `{data: null, error}` of every business-API error. */
export type ApiErrorEnvelope = Schemas['ErrorEnvelope'];

/** An operation id of the document (`createSession`, `getSession`, …). */
export type OperationId = keyof typeof ERROR_CODES;

type CodesByStatus<Op extends OperationId> = (typeof ERROR_CODES)[Op];

/** The error codes an operation documents, every status together. */
export type ErrorCodeOf<Op extends OperationId> = {
  [S in keyof CodesByStatus<Op>]: CodesByStatus<Op>[S] extends readonly (infer Code)[] ? Code : never;
}[keyof CodesByStatus<Op>];

/** Every error code the API documents. New codes may appear: keep a default branch. */
export type ErrorCode = { [Op in OperationId]: ErrorCodeOf<Op> }[OperationId];

/**
 * The documented code of an error body, or undefined for a code this client does not know
 * (a newer server): `switch (errorCode('createSession', error)) { case 'UNKNOWN_CLAIM_KEY': … }`.
 */
export function errorCode<Op extends OperationId>(operation: Op, body: unknown): ErrorCodeOf<Op> | undefined {
  const code = (body as { error?: { code?: unknown } } | null | undefined)?.error?.code;
  const known = Object.values(ERROR_CODES[operation] as Record<string, readonly string[]>).some((codes) => codes.includes(code as string));
  return known ? (code as ErrorCodeOf<Op>) : undefined;
}

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
