import type { Response } from 'supertest';
import { Attempt } from '../../dist/src/sessions/attempts/entities/attempt.entity.js';
import { SessionLifecycleService } from '../../dist/src/sessions/attempts/session-lifecycle.service.js';
import { Clock } from '../../dist/src/common/clock.js';
import { DatabaseService } from '../../dist/src/database/database.service.js';
import { bearer, type CreatedKey, type TestApp } from './app.js';

/** Seeding and readers for the verify-flow specs (§6.2–§6.4, §8). */

export const SESSION_ID = /^vs_[a-z0-9]{64}$/;
export const ATTEMPT_ID = /^va_[a-z0-9]{64}$/;
export const HEX64 = /^[0-9a-f]{64}$/;
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export const PUBLIC_MESSAGES = {
  INVALID_SESSION_ID: 'This verification link is not valid. Please restart the verification from the original source.',
  CANCEL_TOKEN_INVALID: 'This cancellation link is not valid.',
  SESSION_NOT_FOUND: 'This verification session is no longer available. Please restart the verification process.',
  SESSION_IN_PROGRESS:
    'This verification is currently active on another device. Please continue on the device where you started the process.',
  CANCEL_TOKEN_CONSUMED: 'This verification has already been cancelled.',
  TEST_MODE_SESSION: 'This is a test verification. Its outcome is simulated and it cannot be completed on a device.',
  SESSION_EXPIRED: 'This verification session has expired for security reasons. Please restart the verification process.',
} as const;
export type PublicCode = keyof typeof PUBLIC_MESSAGES;

/** A well-formed id that no session has. */
export const UNKNOWN_SESSION_ID = `vs_${'0'.repeat(64)}`;

export interface CreatedSession {
  id: string;
  livemode: boolean;
  status: string;
  verification_url: string;
  cancel_token: string;
  expires_at: string;
  redirect_url: string | null;
  share_fields: Record<string, { required: boolean; reason: string; source: string }>;
}

export async function createSession(t: TestApp, key: CreatedKey, body: Record<string, unknown> = {}): Promise<CreatedSession> {
  const res = await t.http().post('/v1/sessions').set(bearer(key)).send(body);
  if (res.status !== 200) throw new Error(`create session failed: ${res.status} ${res.text}`);
  return res.body.data as CreatedSession;
}

export const handoff = (t: TestApp, id: string) => t.http().post(`/v1/verify/session/${id}/handoff`);
export const status = (t: TestApp, id: string) => t.http().get(`/v1/verify/session/${id}/status`);
export const publicCancel = (t: TestApp, id: string, body: unknown) =>
  t.http().post(`/v1/verify/session/${id}/cancel`).send(body as object);

/** Asserts the exact public error body of §6.2 and that request_id matches the header. */
export function expectPublicError(res: Response, httpStatus: number, code: PublicCode): void {
  expect({ status: res.status, body: res.body }).toEqual({
    status: httpStatus,
    body: { data: null, error: { code, message: PUBLIC_MESSAGES[code], request_id: res.headers['x-request-id'] } },
  });
  expect(res.headers['x-request-id']).toMatch(/^req_[a-z0-9]{24}$/);
}

export const lifecycle = (t: TestApp) => t.app.get(SessionLifecycleService);
export const database = (t: TestApp) => t.app.get(DatabaseService);
export const clock = (t: TestApp) => t.app.get(Clock);

/** Every attempt row of a session, oldest first, straight from the database. */
export function attemptRows(t: TestApp, sessionId: string): Promise<Attempt[]> {
  return database(t).read((m) => m.find(Attempt, { where: { sessionId }, order: { createdAt: 'ASC', id: 'ASC' } }));
}

/**
 * What the WebSocket `hello` will do once it exists (§6.6): consume the attempt's handoff
 * and move the session to `in_progress`, through the state machine.
 */
export async function consumeHandoff(t: TestApp, sessionId: string, attemptId: string, phase = 'mobile_connected'): Promise<void> {
  const now = clock(t).now();
  await database(t).transaction(async (m) => {
    const session = await lifecycle(t).lockSession(m, sessionId);
    if (!session) throw new Error('no such session');
    if (!(await lifecycle(t).markInProgressIn(m, session, now))) throw new Error(`session is ${session.status}`);
    await m.update(Attempt, { id: attemptId }, { handoffConsumedAt: now, currentPhase: phase, phaseUpdatedAt: now });
  });
}

/** An in-progress attempt fails a check (§6.9), through the state machine. */
export async function failAttempt(
  t: TestApp,
  sessionId: string,
  attemptId: string,
  code: 'document_authenticity_failed' | 'document_data_invalid' | 'selfie_face_mismatch' | 'liveness_failed',
): Promise<void> {
  const now = clock(t).now();
  await database(t).transaction(async (m) => {
    const session = await lifecycle(t).lockSession(m, sessionId);
    const attempt = await m.findOneByOrFail(Attempt, { id: attemptId });
    if (!session || !(await lifecycle(t).failAttemptIn(m, session, attempt, { code, riskScore: 1 }, now))) {
      throw new Error('could not fail the attempt');
    }
  });
}

/** One full live attempt that fails a check: handoff, consume, fail. Returns the attempt id. */
export async function runFailedAttempt(
  t: TestApp,
  sessionId: string,
  code: Parameters<typeof failAttempt>[3] = 'selfie_face_mismatch',
): Promise<string> {
  const res = await handoff(t, sessionId);
  if (res.status !== 200) throw new Error(`handoff failed: ${res.status} ${res.text}`);
  const attemptId = res.body.data.attempt_id as string;
  await consumeHandoff(t, sessionId, attemptId, 'selfie_complete');
  await failAttempt(t, sessionId, attemptId, code);
  return attemptId;
}
