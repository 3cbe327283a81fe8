import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { idempotencyInUse, idempotencyReused, invalidIdempotencyKey } from './idempotency/idempotency.guard.js';
import { publicRateLimited } from './rate-limit/public-rate-limit.guard.js';
import {
  ApiError,
  FORBIDDEN_BODY,
  INTERNAL_ERROR,
  PAYLOAD_TOO_LARGE,
  RATE_LIMITED,
  ROUTE_NOT_FOUND,
  UNAUTHORIZED_BODY,
} from './common/errors/api-error.js';
import { bodyProblemToApiError } from './common/validation.js';
import { DeferredBodyError } from './common/http/body.js';
import { ERRORS_EXTENSION, toDocumentedError, type DocumentedError } from './common/swagger.js';

/** Tags in the order a reader meets them, each with what it groups. */
export const OPENAPI_TAGS: ReadonlyArray<{ name: string; description: string }> = [
  { name: 'Sessions', description: 'Create a verification session, send the user to its `verification_url`, read the outcome, cancel it.' },
  { name: 'Attempts', description: 'Each try of a user to prove a document within a session, with its failure code.' },
  { name: 'Webhooks', description: 'Endpoints that receive signed, encrypted event deliveries; their signing secrets, encryption keys and deliveries.' },
  { name: 'Events', description: 'What happened to sessions, in order, with the deliveries of each event; replay them.' },
  { name: 'Verify', description: 'Public endpoints of the hosted page and the mobile client (no API key). Errors use the short public shape.' },
  { name: 'Test helpers', description: 'Drive `kk_test_` sessions to an outcome without a phone (extension).' },
  { name: 'Admin', description: 'Operator endpoints behind ADMIN_TOKEN: organizations and API keys (extension).' },
  { name: 'Health', description: 'Liveness with a database ping.' },
];

const REQUEST_ID_EXAMPLE = 'req_3k9d8f7g6h5j4k3l2m1n0p9q';

type Json = Record<string, unknown>;
type Operation = Json & {
  operationId?: string;
  parameters?: Json[];
  requestBody?: Json;
  responses: Record<string, Json & { content?: Record<string, Json>; headers?: Json }>;
  security?: Array<Record<string, unknown>>;
  [ERRORS_EXTENSION]?: DocumentedError[];
};
type Kind = 'api' | 'admin' | 'public' | 'operational';

const HEADERS: Record<string, Json> = {
  'X-Request-Id': {
    description: 'The request id: yours when you sent a valid `X-Request-Id`, else `req_` + 24 characters. Also `error.request_id`.',
    schema: { type: 'string', example: REQUEST_ID_EXAMPLE },
  },
  'RateLimit-Limit': { description: "The limit of this request's bucket, per minute.", schema: { type: 'integer', example: 600 } },
  'RateLimit-Remaining': { description: 'Requests left in the current window.', schema: { type: 'integer', example: 599 } },
  'RateLimit-Reset': { description: 'Whole seconds until the window resets.', schema: { type: 'integer', example: 42 } },
  'RateLimit-Policy': { description: '`<limit>;w=60`.', schema: { type: 'string', example: '600;w=60' } },
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', example: 42 } },
  'Idempotent-Replayed': {
    description: 'Present (`true`) when this is the stored response of an earlier request with the same `Idempotency-Key`.',
    schema: { type: 'string', enum: ['true'] },
  },
};

const PARAMETERS: Record<string, Json> = {
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'Makes the POST safe to retry: the same key with the same request within 24 h returns the stored response (with `Idempotent-Replayed: true`) and repeats no side effect; with a different request, 422. 1 to 255 printable ASCII characters.',
    schema: { type: 'string', minLength: 1, maxLength: 255, example: 'order-1234-verify' },
  },
  RequestId: {
    name: 'X-Request-Id',
    in: 'header',
    required: false,
    description: 'Your own request id, echoed in the response header and in error bodies and logs when it matches `^[A-Za-z0-9._:-]{1,128}$`.',
    schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$', example: 'checkout-7f3a' },
  },
};

const STATUS_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input; `error.param` names the field where one is at fault.',
  401: 'Missing, malformed, unknown, disabled or revoked credentials (exact body).',
  403: 'Not allowed (the key lacks a required scope: exact body).',
  404: 'Not found.',
  409: 'Conflict with the current state, or an idempotent request still in progress.',
  410: 'Gone.',
  413: 'Body over 100 KiB.',
  422: 'Idempotency key reused with a different request.',
  426: 'A WebSocket upgrade is required (exact body).',
  429: 'Rate limited; wait `Retry-After` seconds.',
  500: 'Unexpected server error.',
  503: 'Unhealthy.',
};

const ref = (kind: 'parameters' | 'headers' | 'schemas', name: string) => ({ $ref: `#/components/${kind}/${name}` });

const kindOf = (path: string, operation: Operation): Kind => {
  const schemes = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement));
  if (schemes.includes('bearerAuth')) return 'api';
  if (schemes.includes('adminToken')) return 'admin';
  return path.startsWith('/v1/verify/') ? 'public' : 'operational';
};

/** The errors every operation of a kind can answer, before and after its own checks (§1.3). */
function sharedErrors(kind: Kind, method: string): ApiError[] {
  const hasBody = ['post', 'patch', 'put'].includes(method);
  if (kind === 'public') return [publicRateLimited(), INTERNAL_ERROR()];
  if (kind === 'operational') return [INTERNAL_ERROR()];
  const errors: ApiError[] = [];
  if (kind === 'admin') errors.push(ROUTE_NOT_FOUND());
  if (kind === 'api') {
    errors.push(RATE_LIMITED());
    if (method === 'post') errors.push(invalidIdempotencyKey(), idempotencyInUse(), idempotencyReused());
  }
  if (hasBody) {
    errors.push(PAYLOAD_TOO_LARGE(), bodyProblemToApiError(new DeferredBodyError('malformed_json')));
  }
  errors.push(INTERNAL_ERROR());
  return errors;
}

function renderError(error: DocumentedError, docsBaseUrl: string, list: boolean): Json {
  const body: Json = error.publicShape
    ? { data: null, error: { code: error.code, message: error.message, request_id: REQUEST_ID_EXAMPLE } }
    : {
        data: null,
        error: {
          code: error.code,
          message: error.message,
          hint: error.hint,
          docs: `${docsBaseUrl}/${error.docsPath}`,
          request_id: REQUEST_ID_EXAMPLE,
        },
      };
  if (error.param !== undefined) (body.error as Json).param = error.param;
  if (list && !error.publicShape) body.pagination = { limit: 10, has_more: false, next_cursor: null };
  return body;
}

const exampleName = (code: string, param: string | undefined, taken: Json) => {
  const base = param !== undefined ? `${code} (${param})` : code;
  let name = base;
  for (let i = 2; name in taken; i += 1) name = `${base} ${i}`;
  return name;
};

function addResponseHeaders(response: Json & { headers?: Json }, names: string[]): void {
  response.headers = { ...(response.headers ?? {}), ...Object.fromEntries(names.map((name) => [name, ref('headers', name)])) };
}

/**
 * Completes what the decorators say with what §1.3 says of every operation: the shared
 * errors of its kind with one example per code (rendered from the very errors the code
 * throws), the exact 401/403 bodies, request and response headers, security `[]` on public
 * routes, and operation ids without Nest's `[n]` suffix on aliased paths.
 */
export function completeOpenApiDocument(document: OpenAPIObject, docsBaseUrl: string): OpenAPIObject {
  const components = document.components ?? (document.components = {});
  components.headers = { ...(components.headers ?? {}), ...HEADERS } as never;
  components.parameters = { ...(components.parameters ?? {}), ...PARAMETERS } as never;
  const usedIds = new Set<string>();

  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, value] of Object.entries(item)) {
      if (!['get', 'post', 'patch', 'put', 'delete'].includes(method)) continue;
      const operation = value as Operation;
      const kind = kindOf(path, operation);
      if (kind === 'public' || kind === 'operational') operation.security = [];

      if (operation.operationId) {
        const base = operation.operationId.replace(/\[\d+\]$/, '');
        operation.operationId = usedIds.has(base) ? `${base}Alias` : base;
        usedIds.add(operation.operationId);
      }

      const parameters = operation.parameters ?? [];
      if (kind === 'api' && method === 'post') parameters.push(ref('parameters', 'IdempotencyKey'));
      parameters.push(ref('parameters', 'RequestId'));
      operation.parameters = parameters;

      const success = operation.responses['200']?.content?.['application/json']?.schema as { properties?: Json } | undefined;
      const isList = success?.properties?.pagination !== undefined;
      const own = operation[ERRORS_EXTENSION] ?? [];
      delete operation[ERRORS_EXTENSION];
      const errors = [...own, ...sharedErrors(kind, method).map(toDocumentedError)];

      for (const error of errors) {
        const status = String(error.status);
        const response = (operation.responses[status] ??= { description: STATUS_DESCRIPTIONS[error.status] ?? 'Error.' });
        const schema = ref('schemas', error.publicShape ? 'PublicErrorEnvelope' : 'ErrorEnvelope');
        const content = ((response.content ??= {})['application/json'] ??= { schema }) as Json & { examples?: Json };
        content.schema = schema;
        const examples = (content.examples ??= {}) as Json;
        const value = renderError(error, docsBaseUrl, isList);
        // The same error declared twice (an operation's own and a shared one) shows once.
        if (Object.values(examples).some((example) => JSON.stringify((example as Json).value) === JSON.stringify(value))) continue;
        examples[exampleName(error.code, error.param, examples)] = {
          summary: error.param !== undefined ? `${error.code}, param ${error.param}` : error.code,
          value,
        };
      }
      if (kind === 'api' || kind === 'admin') {
        operation.responses['401'] = authResponse(STATUS_DESCRIPTIONS[401], 'UNAUTHORIZED', UNAUTHORIZED_BODY);
      }
      if (kind === 'api') {
        operation.responses['403'] = authResponse(STATUS_DESCRIPTIONS[403], 'FORBIDDEN', FORBIDDEN_BODY, operation.responses['403']);
      }

      for (const [status, response] of Object.entries(operation.responses)) {
        const names = ['X-Request-Id'];
        if (kind === 'api' && status !== '401') names.push('RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit-Policy');
        if (status === '429') names.push('Retry-After');
        // Replays are stored answers: 2xx, or 4xx from the handler stage (§1.9).
        if (kind === 'api' && method === 'post' && /^[24]/.test(status) && !['400', '401', '403', '413', '422', '429'].includes(status)) {
          names.push('Idempotent-Replayed');
        }
        addResponseHeaders(response, names);
      }
      operation.responses = Object.fromEntries(Object.entries(operation.responses).sort(([a], [b]) => a.localeCompare(b)));
    }
  }
  return document;
}

/**
 * The exact 401/403 body of §1.2, merged with any enveloped error the operation documents
 * for the same status (a test helper's TEST_MODE_REQUIRED 403).
 */
function authResponse(description: string, code: string, body: unknown, existing?: Json & { content?: Record<string, Json> }): Json {
  const exact = { summary: `${code} (exact body)`, value: body };
  const enveloped = existing?.content?.['application/json'] as (Json & { examples?: Json }) | undefined;
  if (!enveloped) {
    return { description, content: { 'application/json': { schema: ref('schemas', 'AuthErrorEnvelope'), examples: { [code]: exact } } } };
  }
  return {
    description,
    content: {
      'application/json': {
        schema: { oneOf: [ref('schemas', 'AuthErrorEnvelope'), ref('schemas', 'ErrorEnvelope')] },
        examples: { [code]: exact, ...(enveloped.examples ?? {}) },
      },
    },
  };
}

/** The document served at /openapi.json and shown at /docs. */
export function createOpenApiDocument(
  app: INestApplication,
  settings: { version: string; publicBaseUrl: string; docsBaseUrl: string },
): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Passline API')
    .setDescription(
      'Identity-verification sessions, compatible with the Kayle ID API. Authenticate with `Authorization: Bearer kk_live_…` (or `kk_test_…` for test mode). Every response is an envelope `{data, error}`; clients branch on `error.code`. Send `Idempotency-Key` on POSTs you may retry, and read `X-Request-Id` and the `RateLimit-*` headers.',
    )
    .setVersion(settings.version)
    .addServer(settings.publicBaseUrl)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'An API key: kk_live_… or kk_test_…' }, 'bearerAuth')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'Admin token', description: 'The operator ADMIN_TOKEN' }, 'adminToken');
  for (const tag of OPENAPI_TAGS) builder.addTag(tag.name, tag.description);
  const document = SwaggerModule.createDocument(app, builder.build());
  return completeOpenApiDocument(document, settings.docsBaseUrl);
}
