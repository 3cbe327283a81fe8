import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { Clock } from '../../dist/src/common/clock.js';
import { bearer, type CreatedKey, type TestApp } from './app.js';

/** Shared seeding and readers for the lifecycle, test-helper and attempts e2e specs (§3.8, §4, §7). */

export const DOCS = 'https://kayle.id/docs/api';
export const HELPER_DOCS = `${DOCS}/test-helpers`;
export const ATTEMPT_ID = /^va_[a-z0-9]{64}$/;
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export const SESSION_EVENT_TYPES = [
  'verification.session.succeeded',
  'verification.session.failed',
  'verification.session.expired',
  'verification.session.cancelled',
] as const;
export const TERMINAL_STATUSES = ['succeeded', 'failed', 'expired', 'cancelled'];

/** `data` keys of an attempt, in the order of §4.1. */
export const ATTEMPT_KEYS = [
  'id',
  'session_id',
  'livemode',
  'status',
  'failure_code',
  'risk_score',
  'completed_at',
  'created_at',
  'updated_at',
];

export type HelperAction = 'succeed' | 'fail' | 'expire';

export interface EventRow {
  id: string;
  type: string;
  livemode: boolean;
  trigger_type: string;
  trigger_id: string;
  session_id: string;
  summary: Record<string, unknown>;
  created_at: number;
}

export interface AttemptJson {
  id: string;
  session_id: string;
  livemode: boolean;
  status: string;
  failure_code: string | null;
  risk_score: number;
  completed_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface SessionJson {
  id: string;
  livemode: boolean;
  status: string;
  failure_code: string | null;
  share_fields: Record<string, { required: boolean; reason: string; source: string }>;
  expires_at: string;
  completed_at: string | null;
  created_at: string;
  updated_at: string;
  attempts?: AttemptJson[];
}

function expectStatus(res: Response, status: number, what: string): void {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${res.text}`);
}

export async function createSession(t: TestApp, key: CreatedKey, body: Record<string, unknown> = {}): Promise<SessionJson> {
  const res = await t.http().post('/v1/sessions').set(bearer(key)).send(body);
  expectStatus(res, 200, 'create session');
  return res.body.data as SessionJson;
}

export function helper(t: TestApp, key: CreatedKey, id: string, action: HelperAction, body?: unknown) {
  const req = t.http().post(`/v1/test_helpers/sessions/${id}/${action}`).set(bearer(key));
  return body === undefined ? req : req.send(body as object);
}

/** A helper call that must answer 200; returns the session. */
export async function drive(t: TestApp, key: CreatedKey, id: string, action: HelperAction, body?: unknown): Promise<SessionJson> {
  const res = await helper(t, key, id, action, body);
  expectStatus(res, 200, `${action} ${id}`);
  return res.body.data as SessionJson;
}

export async function getSession(t: TestApp, key: CreatedKey, id: string, includeAttempts = true): Promise<SessionJson> {
  const res = await t
    .http()
    .get(`/v1/sessions/${id}${includeAttempts ? '?include_attempts=true' : ''}`)
    .set(bearer(key));
  expectStatus(res, 200, `get ${id}`);
  return res.body.data as SessionJson;
}

export function listAttempts(t: TestApp, key: CreatedKey, query: Record<string, string | number>, path = '/v1/sessions/attempts') {
  return t.http().get(path).query(query).set(bearer(key));
}

export const dataSourceOf = (t: TestApp): DataSource => t.app.get(DataSource);
export const clockOf = (t: TestApp): Clock => t.app.get(Clock);

/** Runs `work` with the app's clock moved by `ms`, then moves it back. */
export async function withClockAdvanced<T>(t: TestApp, ms: number, work: () => Promise<T>): Promise<T> {
  const clock = clockOf(t);
  clock.advance(ms);
  try {
    return await work();
  } finally {
    clock.advance(-ms);
  }
}

/** Event rows of the given sessions, read straight from the outbox table (driver-neutral). */
export async function eventsFor(t: TestApp, sessionIds: string[]): Promise<EventRow[]> {
  if (sessionIds.length === 0) return [];
  const rows: EventRow[] = [];
  // Chunked: SQLite caps bound parameters per statement.
  for (let i = 0; i < sessionIds.length; i += 200) {
    const chunk = sessionIds.slice(i, i + 200);
    const raw = await dataSourceOf(t)
      .createQueryBuilder()
      .select('e.id', 'id')
      .addSelect('e.type', 'type')
      .addSelect('e.livemode', 'livemode')
      .addSelect('e.trigger_type', 'trigger_type')
      .addSelect('e.trigger_id', 'trigger_id')
      .addSelect('e.session_id', 'session_id')
      .addSelect('e.summary', 'summary')
      .addSelect('e.created_at', 'created_at')
      .from('events', 'e')
      .where('e.session_id IN (:...ids)', { ids: chunk })
      .orderBy('e.created_at', 'ASC')
      .getRawMany<Record<string, unknown>>();
    for (const r of raw) {
      rows.push({
        id: String(r.id),
        type: String(r.type),
        livemode: r.livemode === true || r.livemode === 1 || r.livemode === '1',
        trigger_type: String(r.trigger_type),
        trigger_id: String(r.trigger_id),
        session_id: String(r.session_id),
        summary: JSON.parse(String(r.summary)) as Record<string, unknown>,
        created_at: Number(r.created_at),
      });
    }
  }
  return rows;
}

/** `[type, trigger_type, trigger_id]` of a session's events, sorted, for exact comparisons. */
export async function eventTriples(t: TestApp, sessionId: string): Promise<string[][]> {
  return (await eventsFor(t, [sessionId])).map((e) => [e.type, e.trigger_type, e.trigger_id]).sort(compareTuples);
}

export function compareTuples(a: string[], b: string[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? '') < (b[i] ?? '')) return -1;
    if ((a[i] ?? '') > (b[i] ?? '')) return 1;
  }
  return 0;
}

export const sessionEvent = (type: string, sessionId: string) => [`verification.session.${type}`, 'verification_session', sessionId];
export const attemptEvent = (type: string, attemptId: string) => [`verification.attempt.${type}`, 'verification_attempt', attemptId];

/** Small, fast, seedable PRNG (mulberry32) for reproducible randomized journeys. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs `tasks` with at most `limit` in flight. */
export async function runPool<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
