import fc from 'fast-check';
import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';

/**
 * The probe that found the deep-JSON 500 (§1.1), kept as a test: bodies generated from the
 * request schemas of /openapi.json, valid ones, mutated ones and hostile shapes (deep
 * nesting, wide trees, wrong types, unknown keys), sent to every operation that takes a
 * body on a running app. Every answer must be < 500, carry X-Request-Id, and be an
 * envelope (or an empty 204). Replay with FUZZ_SEED=<seed printed on failure>.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 0x7fffffff);

type Schema = {
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  type?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  nullable?: boolean;
  example?: unknown;
};
type Operation = { requestBody?: { content: Record<string, { schema: Schema }> }; security?: unknown[] };
type OpenApi = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };

/** A value for a path parameter: a well-formed id of another tenant, a malformed one, junk. */
const pathValue = fc.oneof(
  fc.constantFrom('vs_test_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'whe_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'whk_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'),
  fc.constantFrom('x', '%ff', '%2e%2e', 'a'.repeat(300), '0', '__proto__'),
  fc.string({ minLength: 1, maxLength: 20 }).map(encodeURIComponent),
);

/** Hostile JSON with no regard to the schema. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: 1, max: 3_000 }).map((n) => JSON.parse(`${'['.repeat(n)}${']'.repeat(n)}`) as unknown),
  fc.integer({ min: 1, max: 60 }).map((n) => {
    let v: unknown = 1;
    for (let i = 0; i < n; i++) v = { a: v };
    return v;
  }),
  fc.integer({ min: 10, max: 5_000 }).map((n) => Array.from({ length: n }, () => ({}))),
  fc.integer({ min: 10, max: 3_000 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
  fc.jsonValue({ maxDepth: 6 }),
  fc.constantFrom(null, true, 0, -1, 1e308, '', 'x'.repeat(20_000), [], {}, '__proto__'),
);

describe('Fuzz: bodies generated from /openapi.json (§1.1, §1.2)', () => {
  let t: TestApp;
  let key: CreatedKey;
  let doc: OpenApi;

  beforeAll(async () => {
    t = await createTestApp();
    key = (await t.tenant()).test;
    doc = (await t.http().get('/openapi.json')).body as OpenApi;
  });
  afterAll(() => t?.close());

  const resolve = (schema: Schema | undefined, depth = 0): Schema => {
    if (!schema || depth > 10) return {};
    if (schema.$ref) return resolve(doc.components.schemas[schema.$ref.split('/').pop()!], depth + 1);
    if (schema.allOf?.length === 1) return resolve(schema.allOf[0], depth + 1);
    return schema;
  };

  /** A value that fits `schema` most of the time, and a wrong one otherwise. */
  const fromSchema = (raw: Schema | undefined, depth = 0): fc.Arbitrary<unknown> => {
    const schema = resolve(raw);
    const wrong = depth > 3 ? fc.jsonValue({ maxDepth: 1 }) : hostile;
    let right: fc.Arbitrary<unknown>;
    if (schema.enum) right = fc.constantFrom(...schema.enum);
    else if (schema.oneOf ?? schema.anyOf) right = fc.oneof(...(schema.oneOf ?? schema.anyOf)!.map((s) => fromSchema(s, depth + 1)));
    else if (schema.type === 'string') right = fc.oneof(fc.string({ maxLength: schema.maxLength ?? 64 }), fc.constant(schema.example ?? 'https://example.com/x'));
    else if (schema.type === 'integer' || schema.type === 'number') right = fc.integer({ min: (schema.minimum ?? 0) - 2, max: (schema.maximum ?? 100_000) + 2 });
    else if (schema.type === 'boolean') right = fc.boolean();
    else if (schema.type === 'array') right = fc.array(fromSchema(schema.items, depth + 1), { maxLength: 8 });
    else if (schema.properties || schema.type === 'object') {
      const props = schema.properties ?? {};
      const entries = Object.entries(props).map(([k, s]) => [k, fromSchema(s, depth + 1)] as const);
      const extra = schema.additionalProperties ? fc.dictionary(fc.string({ maxLength: 20 }), fromSchema(schema.additionalProperties === true ? {} : schema.additionalProperties, depth + 1), { maxKeys: 6 }) : fc.constant({});
      right = fc
        .tuple(fc.record(Object.fromEntries(entries), { requiredKeys: [] }), extra, fc.option(fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 })))
        .map(([base, more, unknown]) => ({ ...more, ...base, ...(unknown ?? {}) }));
    } else right = fc.jsonValue({ maxDepth: 3 });
    if (schema.example !== undefined) right = fc.oneof({ weight: 1, arbitrary: fc.constant(schema.example) }, { weight: 3, arbitrary: right });
    return fc.oneof({ weight: 5, arbitrary: right }, { weight: 1, arbitrary: wrong });
  };

  it(`${RUNS} generated bodies: never a 5xx, always an envelope with X-Request-Id (seed ${SEED})`, async () => {
    const operations: Array<{ method: string; path: string; body: fc.Arbitrary<unknown>; isPublic: boolean }> = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const schema = op.requestBody?.content['application/json']?.schema;
        if (!schema) continue;
        operations.push({ method, path, body: fc.oneof({ weight: 4, arbitrary: fromSchema(schema) }, { weight: 1, arbitrary: hostile }), isPublic: !op.security || op.security.length === 0 });
      }
    }
    expect(operations.length).toBeGreaterThan(10);
    const statuses = new Map<number, number>();
    const cases = fc.oneof(
      ...operations.map((op) =>
        fc.record({ op: fc.constant(op), body: op.body, params: fc.array(pathValue, { minLength: 4, maxLength: 4 }), raw: fc.boolean() }),
      ),
    );
    await fc.assert(
      fc.asyncProperty(cases, async ({ op, body, params, raw }) => {
        let i = 0;
        const url = op.path.replace(/\{[^}]+\}/g, () => params[i++]);
        let text = JSON.stringify(body) ?? 'null';
        if (raw) text = text.slice(0, Math.max(1, text.length - 1)); // truncated JSON now and then
        let req = t.http()[op.method as 'post'](url).set('Content-Type', 'application/json');
        if (!url.startsWith('/v1/admin')) req = req.set(bearer(key));
        else req = req.set(t.admin);
        const res = await req.send(text);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const where = `${op.method.toUpperCase()} ${url} ${text.slice(0, 200)} → ${res.status} ${res.text.slice(0, 200)}`;
        if (res.status >= 500) throw new Error(`5xx: ${where}`);
        if (!res.headers['x-request-id']) throw new Error(`no X-Request-Id: ${where}`);
        if (res.status === 204) {
          if (res.text !== '') throw new Error(`204 with a body: ${where}`);
          return;
        }
        const envelope = res.body as Record<string, unknown>;
        const isEnvelope =
          envelope !== null &&
          typeof envelope === 'object' &&
          ('data' in envelope ? 'error' in envelope : res.status === 401 || res.status === 403) &&
          (res.status < 400 ? envelope.error === null : typeof (envelope.error as { code?: unknown })?.code === 'string');
        if (!isEnvelope) throw new Error(`not an envelope: ${where}`);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    // Both outcomes were exercised: some bodies were accepted and many refused.
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
    expect([...statuses.keys()].some((s) => s === 400)).toBe(true);
  }, 600_000);
});
