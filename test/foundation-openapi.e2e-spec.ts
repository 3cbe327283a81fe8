import { createTestApp, type TestApp } from './helpers/app.js';

type Schema = {
  $ref?: string;
  allOf?: Schema[];
  type?: string;
  description?: string;
  example?: unknown;
  properties?: Record<string, Schema>;
  items?: Schema;
  required?: string[];
  minimum?: number;
  maximum?: number;
  default?: unknown;
};
type Parameter = { name: string; in: string; schema: Schema };
type OpenApi = {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }>; requestBody?: { content: Record<string, { schema: Schema }> }; parameters?: Parameter[]; security?: unknown[]; tags?: string[] }>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, Record<string, unknown>> };
};

/** The schemas of the foundation (envelope, admin, health); other features own theirs. */
const FOUNDATION_SCHEMAS = [
  'ErrorBody',
  'ErrorEnvelope',
  'AuthErrorBody',
  'AuthErrorEnvelope',
  'PaginationBody',
  'OrganizationResponse',
  'CreateOrganizationDto',
  'CreateApiKeyDto',
  'ApiKeyResponse',
  'CreatedApiKeyResponse',
  'UpdateApiKeyDto',
  'HealthResponse',
];

const isRef = (schema: Schema) =>
  typeof schema.$ref === 'string' || (schema.allOf?.length === 1 && typeof schema.allOf[0].$ref === 'string');

describe('GET /openapi.json (§9.2)', () => {
  let t: TestApp;
  let doc: OpenApi;
  beforeAll(async () => {
    t = await createTestApp();
    const res = await t.http().get('/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body as OpenApi;
  });
  afterAll(async () => t.close());

  const schemaRef = (name: string) => `#/components/schemas/${name}`;

  it('is served as JSON without authentication', async () => {
    const res = await t.http().get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-request-id']).toMatch(/^req_[a-z0-9]{24}$/);
  });

  it('is an OpenAPI 3 document with the bearerAuth scheme', () => {
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('names the bearer formats: an API key, and the admin token (not JWT)', () => {
    expect(doc.components.securitySchemes.bearerAuth.bearerFormat).toBe('API key');
    expect(doc.components.securitySchemes.adminToken.bearerFormat).toBe('Admin token');
  });

  it('documents no 201: every POST answers with the status its handler sets', () => {
    const created: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        if ('201' in op.responses) created.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(created).toEqual([]);
    expect(Object.keys(doc.paths['/v1/sessions'].post.responses)).toContain('200');
  });

  it('types the limit query parameter of every list as an integer 1..100, default 10 (§1.7)', () => {
    const limits: Array<{ path: string; schema: Schema }> = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      const limit = operations.get?.parameters?.find((p) => p.name === 'limit' && p.in === 'query');
      if (limit) limits.push({ path, schema: limit.schema });
    }
    expect(limits.map((l) => l.path)).toEqual(expect.arrayContaining(['/v1/sessions', '/v1/admin/api-keys']));
    for (const { path, schema } of limits) {
      expect({ path, ...schema }).toMatchObject({ path, type: 'integer', minimum: 1, maximum: 100, default: 10 });
    }
  });

  it('documents every admin route, tagged, behind a security requirement', () => {
    const expected: Array<[string, string]> = [
      ['/v1/admin/orgs', 'post'],
      ['/v1/admin/orgs', 'get'],
      ['/v1/admin/api-keys', 'post'],
      ['/v1/admin/api-keys', 'get'],
      ['/v1/admin/api-keys/{id}', 'patch'],
      ['/v1/admin/api-keys/{id}', 'delete'],
    ];
    for (const [path, method] of expected) {
      const op = doc.paths[path]?.[method];
      expect({ path, method, documented: op !== undefined }).toEqual({ path, method, documented: true });
      expect(op.tags?.length).toBeGreaterThan(0);
      expect(op.security?.length).toBeGreaterThan(0);
    }
    expect(doc.paths['/health']?.get).toBeDefined();
  });

  it('has the real CreateApiKeyDto request schema, with descriptions and examples', () => {
    const body = doc.paths['/v1/admin/api-keys'].post.requestBody!.content['application/json'].schema;
    expect(body.$ref).toBe(schemaRef('CreateApiKeyDto'));
    const dto = doc.components.schemas.CreateApiKeyDto;
    expect(Object.keys(dto.properties ?? {}).sort()).toEqual(['livemode', 'name', 'organization_id', 'scopes']);
    expect([...(dto.required ?? [])].sort()).toEqual(['name', 'organization_id']);
    for (const [name, property] of Object.entries(dto.properties!)) {
      expect({ name, description: typeof property.description }).toEqual({ name, description: 'string' });
      expect({ name, hasExample: property.example !== undefined }).toEqual({ name, hasExample: true });
    }
    expect(dto.properties!.livemode.type).toBe('boolean');
    expect(dto.properties!.scopes.type).toBe('array');
  });

  it('wraps the POST /v1/admin/orgs 200 response in the data/error envelope around OrganizationResponse', () => {
    const schema = doc.paths['/v1/admin/orgs'].post.responses['200'].content!['application/json'].schema;
    expect(schema.properties?.data?.$ref).toBe(schemaRef('OrganizationResponse'));
    expect(schema.properties?.error).toBeDefined();
    expect(schema.required).toEqual(expect.arrayContaining(['data', 'error']));
    expect(Object.keys(doc.components.schemas.OrganizationResponse.properties ?? {}).sort()).toEqual([
      'created_at',
      'id',
      'name',
      'updated_at',
    ]);
  });

  it('documents list responses with data array, error and pagination', () => {
    const schema = doc.paths['/v1/admin/api-keys'].get.responses['200'].content!['application/json'].schema;
    expect(schema.properties?.data?.type).toBe('array');
    expect(schema.properties?.data?.items?.$ref).toBe(schemaRef('ApiKeyResponse'));
    expect(schema.properties?.pagination?.$ref).toBe(schemaRef('PaginationBody'));
    expect(Object.keys(doc.components.schemas.PaginationBody.properties ?? {}).sort()).toEqual([
      'has_more',
      'limit',
      'next_cursor',
    ]);
  });

  it('documents error responses with the envelope schemas', () => {
    const responses = doc.paths['/v1/admin/api-keys/{id}'].patch.responses;
    expect(responses['404'].content!['application/json'].schema.$ref).toBe(schemaRef('ErrorEnvelope'));
    expect(responses['409'].content!['application/json'].schema.$ref).toBe(schemaRef('ErrorEnvelope'));
    expect(responses['401'].content!['application/json'].schema.$ref).toBe(schemaRef('AuthErrorEnvelope'));
    expect(Object.keys(doc.components.schemas.ErrorBody.properties ?? {}).sort()).toEqual(
      ['code', 'docs', 'hint', 'message', 'param', 'request_id'].sort(),
    );
  });

  it('never exposes a secret hash in any schema; the plaintext key only in the creation response', () => {
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      expect({ name, props: Object.keys(schema.properties ?? {}) }).not.toEqual(
        expect.objectContaining({ props: expect.arrayContaining(['key_hash']) }),
      );
    }
    expect(doc.components.schemas.CreatedApiKeyResponse.properties?.key).toBeDefined();
    expect(doc.components.schemas.ApiKeyResponse.properties?.key).toBeUndefined();
  });

  it('describes every property of every schema (or references a described schema)', () => {
    for (const name of FOUNDATION_SCHEMAS) expect({ name, present: name in doc.components.schemas }).toEqual({ name, present: true });
    const undescribed: string[] = [];
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      for (const [property, definition] of Object.entries(schema.properties ?? {})) {
        // A lone `@example` in the JSDoc gives no description.
        if (!definition.description && !isRef(definition)) undescribed.push(`${name}.${property}`);
      }
    }
    expect(undescribed).toEqual([]);
  });
});
