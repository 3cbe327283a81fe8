import { randomBytes } from 'node:crypto';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { Clock } from '../../dist/src/common/clock.js';
import { ExpirySweeper } from '../../dist/src/sessions/expiry-sweeper.service.js';
import { bearer, createTestApp, type CreatedKey, type TestApp } from './app.js';

/** Shared expectations and seeding for the sessions e2e specs (§3, §6.4). */

export const DOCS = 'https://kayle.id/docs/api';
export const SESSION_ID = /^vs_[a-z0-9]{64}$/;
export const CANCEL_TOKEN = /^[a-z0-9]{64}$/;
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const HOUR_MS = 3_600_000;

/** `data` keys of a create response, in the contract's order (§3.2). */
export const CREATED_KEYS = [
  'id',
  'livemode',
  'status',
  'failure_code',
  'contract_version',
  'share_fields',
  'redirect_url',
  'verification_url',
  'cancel_token',
  'expires_at',
  'completed_at',
  'created_at',
  'updated_at',
];
/** `data` keys of get and list (no cancel_token, §3.3). */
export const SESSION_KEYS = CREATED_KEYS.filter((k) => k !== 'cancel_token');

export const STATIC_LABELS: Record<string, string> = {
  date_of_birth: 'Date of Birth',
  document_expiry_date: 'Document Expiry Date',
  document_number: 'Document Number',
  document_photo: 'Document Photo',
  document_type_code: 'Document Type Code',
  family_name: 'Family Name',
  given_names: 'Given Names',
  issuing_country_code: 'Issuing Country Code',
  kayle_document_id: 'Kayle Document ID',
  kayle_human_id: 'Kayle Human ID',
  mrz_optional_data: 'MRZ Optional Data',
  nationality_code: 'Nationality Code',
  sex_marker: 'Sex Marker',
};

/** The share_fields of a session created without them (§3.6.3), written out by hand. */
export const DEFAULT_SHARE_FIELDS = Object.fromEntries(
  Object.keys(STATIC_LABELS)
    .sort()
    .map((key) => [
      key,
      { required: key === 'kayle_document_id', reason: `Sharing "${STATIC_LABELS[key]}"`, source: 'default' },
    ]),
);

export const KAYLE_DEFAULT = { required: true, reason: 'Sharing "Kayle Document ID"', source: 'default' };

export const SHARE_ERRORS: Record<string, { message: string; hint: string }> = {
  INVALID_SHARE_FIELDS: {
    message: 'Invalid share_fields payload.',
    hint: 'share_fields must be an object map of claim keys.',
  },
  UNKNOWN_CLAIM_KEY: {
    message: 'Unknown claim key.',
    hint: 'Use a supported claim key from the share contract allowlist.',
  },
  INVALID_AGE_GATE_KEY: {
    message: 'Invalid age gate claim key.',
    hint: 'Use `age_over_<integer>` with a valid threshold, for example `age_over_18`.',
  },
  MULTIPLE_AGE_GATES_NOT_ALLOWED: {
    message: 'Multiple age gate claims are not allowed.',
    hint: 'Only one age_over_X claim can be provided per session.',
  },
  DOB_AND_AGE_GATE_CONFLICT: {
    message: 'date_of_birth cannot be combined with age gate claims.',
    hint: 'Use either date_of_birth or one age_over_X claim, but not both.',
  },
  REASON_REQUIRED: {
    message: 'Each share field requires a reason.',
    hint: 'Provide a non-empty reason for every requested claim.',
  },
  REASON_TOO_LONG: { message: 'Reason is too long.', hint: 'Reason must be 200 characters or fewer.' },
  TOO_MANY_SHARE_FIELDS: {
    message: 'Too many share fields requested.',
    hint: 'The maximum number of share fields is 32.',
  },
};

export const PUBLIC_MESSAGES = {
  INVALID_SESSION_ID: 'This verification link is not valid. Please restart the verification from the original source.',
  BAD_REQUEST: 'Bad request.',
  CANCEL_TOKEN_INVALID: 'This cancellation link is not valid.',
  SESSION_NOT_FOUND: 'This verification session is no longer available. Please restart the verification process.',
  CANCEL_TOKEN_CONSUMED: 'This verification has already been cancelled.',
} as const;

export const FORBIDDEN_TEXT = '{"error":{"code":"FORBIDDEN","message":"Forbidden"}}';

/** A well-formed session id that no one has. */
export const unknownSessionId = (): string => `vs_${randomBytes(32).toString('hex')}`;

/** Envelope errors never carry framework internals. */
export function expectNoLeak(res: Response): void {
  for (const leaked of ['"stack"', '"statusCode"', '"exception"', '"cause"', 'at Object.', 'node_modules']) {
    expect(res.text).not.toContain(leaked);
  }
}

/** A full envelope error (§1.2/§1.3) with exact code, message, hint and docs. */
export function expectApiError(
  res: Response,
  expected: { status: number; code: string; message: string; hint?: string; docs: string; param?: string; list?: boolean },
): void {
  expect(res.status).toBe(expected.status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(Object.keys(res.body)).toEqual(expected.list ? ['data', 'error', 'pagination'] : ['data', 'error']);
  expect(res.body.data).toBeNull();
  const error = res.body.error;
  expect(error.code).toBe(expected.code);
  expect(error.message).toBe(expected.message);
  if (expected.hint !== undefined) expect(error.hint).toBe(expected.hint);
  else expect(typeof error.hint).toBe('string');
  expect(error.docs).toBe(expected.docs);
  expect(error.request_id).toBe(res.headers['x-request-id']);
  if (expected.param === undefined) expect(error).not.toHaveProperty('param');
  else expect(error.param).toBe(expected.param);
  expectNoLeak(res);
}

/** 400 BAD_REQUEST with the given param (or none). */
export function expectBadRequest(res: Response, param: string | undefined, options: { list?: boolean } = {}): void {
  expectApiError(res, {
    status: 400,
    code: 'BAD_REQUEST',
    message: 'Bad request.',
    docs: `${DOCS}/errors#bad_request`,
    param,
    list: options.list,
  });
}

/** Share-contract codes about one entry of the map, which name it in `param`. */
const KEYED_SHARE_CODES = new Set(['UNKNOWN_CLAIM_KEY', 'INVALID_AGE_GATE_KEY', 'MULTIPLE_AGE_GATES_NOT_ALLOWED', 'REASON_REQUIRED', 'REASON_TOO_LONG']);

/**
 * One of the eight share-contract errors (§3.6.4), exact strings. `param` is checked when
 * given; otherwise a code about one entry must name some `share_fields.<key>…` and a code
 * about the whole map (TOO_MANY_SHARE_FIELDS, DOB_AND_AGE_GATE_CONFLICT) none.
 */
export function expectShareError(res: Response, code: keyof typeof SHARE_ERRORS | string, param?: string | null): void {
  expect(SHARE_ERRORS[code]).toBeDefined();
  if (param === undefined && KEYED_SHARE_CODES.has(code)) {
    expect((res.body as { error?: { param?: string } }).error?.param).toMatch(/^share_fields\./);
    param = (res.body as { error: { param: string } }).error.param;
  }
  if (param === undefined && code === 'INVALID_SHARE_FIELDS') param = (res.body as { error?: { param?: string } }).error?.param ?? null;
  expectApiError(res, {
    status: 400,
    code,
    message: SHARE_ERRORS[code].message,
    hint: SHARE_ERRORS[code].hint,
    docs: `${DOCS}/sessions#create`,
    ...(param ? { param } : {}),
  });
}

export function expectSessionNotFound(res: Response, anchor: 'get-by-id' | 'cancel-by-id'): void {
  expectApiError(res, {
    status: 404,
    code: 'NOT_FOUND',
    message: 'Session not found.',
    hint: 'The session with the given ID was not found.',
    docs: `${DOCS}/sessions#${anchor}`,
  });
}

/** The public error shape of §6.2: exactly {code, message, request_id} (+ param on BAD_REQUEST). */
export function expectPublicError(res: Response, status: number, code: keyof typeof PUBLIC_MESSAGES, param?: string): void {
  expect(res.status).toBe(status);
  expect(Object.keys(res.body)).toEqual(['data', 'error']);
  expect(res.body.data).toBeNull();
  const expected: Record<string, string> = {
    code,
    message: PUBLIC_MESSAGES[code],
    request_id: res.headers['x-request-id'],
  };
  if (param !== undefined) expected.param = param;
  expect(res.body.error).toEqual(expected);
  expectNoLeak(res);
}

export function expectForbidden(res: Response): void {
  expect(res.status).toBe(403);
  expect(res.text).toBe(FORBIDDEN_TEXT);
}

/** POST /v1/sessions and insist on 200; returns `data` of the create response. */
export async function createSession(
  t: TestApp,
  key: CreatedKey | string,
  body: Record<string, unknown> = {},
): Promise<CreatedSession> {
  const res = await t.http().post('/v1/sessions').set(bearer(key)).send(body);
  if (res.status !== 200) throw new Error(`create session failed: ${res.status} ${res.text}`);
  return res.body.data as CreatedSession;
}

export interface CreatedSession {
  id: string;
  livemode: boolean;
  status: string;
  failure_code: string | null;
  share_fields: Record<string, { required: boolean; reason: string; source: string }>;
  redirect_url: string | null;
  verification_url: string;
  cancel_token: string;
  expires_at: string;
  completed_at: string | null;
  created_at: string;
  updated_at: string;
}

export async function getSession(t: TestApp, key: CreatedKey | string, id: string): Promise<Record<string, unknown>> {
  const res = await t.http().get(`/v1/sessions/${id}`).set(bearer(key));
  if (res.status !== 200) throw new Error(`get session failed: ${res.status} ${res.text}`);
  return res.body.data as Record<string, unknown>;
}

/** Walks every page of GET /v1/sessions with the given query; returns ids in order and the pages. */
export async function walkSessions(
  t: TestApp,
  key: CreatedKey | string,
  query: Record<string, string> = {},
): Promise<{ ids: string[]; pages: Array<{ data: Array<Record<string, unknown>>; pagination: Record<string, unknown> }> }> {
  const ids: string[] = [];
  const pages: Array<{ data: Array<Record<string, unknown>>; pagination: Record<string, unknown> }> = [];
  let cursor: string | null = null;
  for (let i = 0; i < 1000; i++) {
    const res = await t
      .http()
      .get('/v1/sessions')
      .set(bearer(key))
      .query({ ...query, ...(cursor ? { starting_after: cursor } : {}) });
    if (res.status !== 200) throw new Error(`list failed: ${res.status} ${res.text}`);
    pages.push(res.body);
    ids.push(...res.body.data.map((s: { id: string }) => s.id));
    cursor = res.body.pagination.next_cursor;
    if (!cursor) break;
  }
  return { ids, pages };
}

export const clockOf = (t: TestApp): Clock => t.app.get(Clock);
export const sweeperOf = (t: TestApp): ExpirySweeper => t.app.get(ExpirySweeper);
export const dataSourceOf = (t: TestApp): DataSource => t.app.get(DataSource);

export interface EventRow {
  id: string;
  type: string;
  trigger_type: string;
  trigger_id: string;
  session_id: string;
  organization_id: string;
  livemode: boolean;
  created_at: number;
}

/**
 * Rows of the events table for one session, oldest first. Goes through the query builder
 * so the placeholder style (`?` on SQLite, `$1` on PostgreSQL) is the driver's business.
 */
export async function eventRows(t: TestApp, sessionId: string): Promise<EventRow[]> {
  const rows = await dataSourceOf(t)
    .createQueryBuilder()
    .select(['e.id AS id', 'e.type AS type', 'e.trigger_type AS trigger_type', 'e.trigger_id AS trigger_id'])
    .addSelect(['e.session_id AS session_id', 'e.organization_id AS organization_id', 'e.livemode AS livemode'])
    .addSelect('e.created_at', 'created_at')
    .from('events', 'e')
    .where('e.session_id = :id', { id: sessionId })
    .orderBy('e.created_at', 'ASC')
    .getRawMany<Record<string, unknown>>();
  return rows.map((r) => ({
    id: String(r.id),
    type: String(r.type),
    trigger_type: String(r.trigger_type),
    trigger_id: String(r.trigger_id),
    session_id: String(r.session_id),
    organization_id: String(r.organization_id),
    // SQLite returns booleans as 0/1, PostgreSQL as booleans; BIGINT comes back as a string on PostgreSQL.
    livemode: r.livemode === true || r.livemode === 1 || r.livemode === '1',
    created_at: Number(r.created_at),
  }));
}

/** The `verification.session.*` rows of one session. */
export async function sessionEvents(t: TestApp, sessionId: string): Promise<EventRow[]> {
  return (await eventRows(t, sessionId)).filter((e) => e.type.startsWith('verification.session.'));
}

/** Counts rows of a table (optionally `WHERE column = value`), driver-neutral. */
export async function countRows(t: TestApp, table: string, where?: { column: string; value: unknown }): Promise<number> {
  const qb = dataSourceOf(t).createQueryBuilder().select('COUNT(*)', 'n').from(table, 'x');
  if (where) qb.where(`x.${where.column} = :value`, { value: where.value });
  const row = await qb.getRawOne<{ n: string | number }>();
  return Number(row?.n ?? 0);
}

/** The `cancel_token` query value of a create response's verification_url. */
export const tokenFromUrl = (url: string): string | null => new URL(url).searchParams.get('cancel_token');

/**
 * A second instance of the app on `t`'s database (PostgreSQL only: SQLite serves one server
 * per file), on the same clock offset as `t`. Close it with `closeSecondInstance`.
 */
export async function secondInstance(t: TestApp, clockOffsetMs: number): Promise<TestApp> {
  const second = await createTestApp({}, t.db);
  clockOf(second).advance(clockOffsetMs);
  return second;
}

export async function closeSecondInstance(second: TestApp | null): Promise<void> {
  await second?.close();
}
