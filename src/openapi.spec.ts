import type { OpenAPIObject } from '@nestjs/swagger';
import { ApiError } from './common/errors/api-error.js';
import { ERRORS_EXTENSION, toDocumentedError } from './common/swagger.js';
import { completeOpenApiDocument } from './openapi.js';

type Json = Record<string, any>;

const ok = { description: 'Success.', content: { 'application/json': { schema: { type: 'object', properties: { data: {} } } } } };
const list = { description: 'One page.', content: { 'application/json': { schema: { type: 'object', properties: { data: {}, pagination: {} } } } } };

function documentWith(paths: Json): OpenAPIObject {
  return { openapi: '3.0.0', info: { title: 't', version: '1' }, paths, components: { schemas: {} } } as unknown as OpenAPIObject;
}

const examples = (operation: Json, status: string): Json => operation.responses[status].content['application/json'].examples;
const codes = (operation: Json, status: string) => Object.values(examples(operation, status)).map((e: Json) => e.value.error.code);

describe('completeOpenApiDocument', () => {
  const notFound = ApiError.notFound('Thing not found.', 'Check the id.', 'things#get');
  const doc = completeOpenApiDocument(
    documentWith({
      '/v1/things': {
        post: {
          operationId: 'ThingsController_create',
          security: [{ bearerAuth: [] }],
          responses: { '200': ok },
          [ERRORS_EXTENSION]: [toDocumentedError(ApiError.badRequest('name', 'name must be a string.')), toDocumentedError(ApiError.conflict('Busy.', 'Wait.', 'things'))],
        },
        get: { operationId: 'listThings[0]', security: [{ bearerAuth: [] }], responses: { '200': list }, [ERRORS_EXTENSION]: [] },
      },
      '/v1/alias/things': { get: { operationId: 'listThings[1]', security: [{ bearerAuth: [] }], responses: { '200': list } } },
      '/v1/things/{id}': { get: { operationId: 'getThing', security: [{ bearerAuth: [] }], responses: { '200': ok }, [ERRORS_EXTENSION]: [toDocumentedError(notFound)] } },
      '/v1/admin/things': { post: { operationId: 'createThingAdmin', security: [{ adminToken: [] }], responses: { '200': ok } } },
      '/v1/verify/session/{id}/status': { get: { operationId: 'status', responses: { '200': ok } } },
      '/health': { get: { operationId: 'health', responses: { '200': ok } } },
    }),
    'https://docs.example/api',
  ) as Json;
  const create = doc.paths['/v1/things'].post;

  it('renders an operation own errors as examples, with docs under the configured base', () => {
    expect(examples(create, '400')['BAD_REQUEST (name)'].value).toEqual({
      data: null,
      error: {
        code: 'BAD_REQUEST',
        message: 'Bad request.',
        hint: 'name must be a string.',
        docs: 'https://docs.example/api/errors#bad_request',
        request_id: expect.stringMatching(/^req_/),
        param: 'name',
      },
    });
    expect(create[ERRORS_EXTENSION]).toBeUndefined();
  });

  it('adds the idempotency errors and the Idempotency-Key header to authenticated POSTs only', () => {
    expect(codes(create, '409').sort()).toEqual(['CONFLICT', 'IDEMPOTENCY_KEY_IN_USE']);
    expect(codes(create, '422')).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(codes(create, '413')).toEqual(['PAYLOAD_TOO_LARGE']);
    expect(create.parameters).toContainEqual({ $ref: '#/components/parameters/IdempotencyKey' });
    const admin = doc.paths['/v1/admin/things'].post;
    expect(admin.parameters).not.toContainEqual({ $ref: '#/components/parameters/IdempotencyKey' });
    expect(admin.responses['422']).toBeUndefined();
    expect(doc.paths['/v1/things'].get.responses['409']).toBeUndefined();
  });

  it('gives authenticated operations the exact 401 and 403 bodies and the 429', () => {
    const get = doc.paths['/v1/things/{id}'].get;
    expect(Object.values(examples(get, '401')).map((e: Json) => e.value)).toEqual([{ error: { code: 'UNAUTHORIZED', message: 'Unauthorized' } }]);
    expect(Object.values(examples(get, '403')).map((e: Json) => e.value)).toEqual([{ error: { code: 'FORBIDDEN', message: 'Forbidden' } }]);
    expect(codes(get, '429')).toEqual(['RATE_LIMITED']);
    expect(codes(get, '404')).toEqual(['NOT_FOUND']);
    expect(Object.keys(get.responses['429'].headers)).toEqual(expect.arrayContaining(['X-Request-Id', 'Retry-After', 'RateLimit-Remaining']));
  });

  it('adds an empty page to the error examples of list operations', () => {
    const listed = doc.paths['/v1/things'].get;
    expect(Object.values(examples(listed, '429'))[0].value.pagination).toEqual({ limit: 10, has_more: false, next_cursor: null });
    expect(Object.values(examples(create, '429'))[0].value.pagination).toBeUndefined();
  });

  it('uses the public error shape on verify routes, and no credentials on public ones', () => {
    const status = doc.paths['/v1/verify/session/{id}/status'].get;
    expect(status.security).toEqual([]);
    expect(Object.values(examples(status, '429'))[0].value.error).toEqual({
      code: 'RATE_LIMITED',
      message: 'Too many requests. Please wait a moment and try again.',
      request_id: expect.any(String),
    });
    const health = doc.paths['/health'].get;
    expect(health.security).toEqual([]);
    expect(health.responses['429']).toBeUndefined();
  });

  it("drops Nest's [n] suffix of aliased paths and names the alias", () => {
    expect(doc.paths['/v1/things'].get.operationId).toBe('listThings');
    expect(doc.paths['/v1/alias/things'].get.operationId).toBe('listThingsAlias');
  });

  it('documents the shared headers and parameters once, in components', () => {
    expect(Object.keys(doc.components.headers)).toEqual(expect.arrayContaining(['X-Request-Id', 'Retry-After', 'Idempotent-Replayed']));
    expect(doc.components.parameters.IdempotencyKey).toMatchObject({ name: 'Idempotency-Key', in: 'header' });
  });
});
