import type { Response } from 'supertest';
import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';
import {
  SESSION_EVENT_TYPES,
  TERMINAL_STATUSES,
  eventsFor,
  getSession,
  prng,
  runPool,
  type EventRow,
} from './helpers/lifecycle.js';

/**
 * Randomized session journeys through the HTTP API (§3.8): test sessions driven by the
 * fail/succeed/expire helpers, API cancels and public cancels, live sessions by cancels
 * only, some steps racing two requests on the same session, ~8 journeys in flight. Every
 * answer is checked against a model of the state machine; at the end the events table
 * must hold exactly one terminal `verification.session.*` event per terminal session,
 * matching its status, and none for open ones. Replay a run with JOURNEY_SEED=<seed>.
 */

const JOURNEYS = 200;
const CONCURRENCY = 8;
const TENANTS = 4;
const CHECK_CODES = ['document_authenticity_failed', 'document_data_invalid', 'selfie_face_mismatch', 'liveness_failed'];
const CUSTOM_FIELDS = {
  age_over_21: { required: true, reason: 'Age check.' },
  nationality_code: { required: false, reason: 'Shipping.' },
};

type Action =
  | { kind: 'fail'; code?: string }
  | { kind: 'succeed'; keys?: string[] }
  | { kind: 'succeed_invalid' }
  | { kind: 'expire' }
  | { kind: 'cancel' }
  | { kind: 'public_cancel' }
  | { kind: 'helper_with_live_key' }
  | { kind: 'read' };
type Step = { race: false; action: Action } | { race: true; actions: [Action, Action] };

interface Plan {
  index: number;
  tenant: number;
  livemode: boolean;
  custom: boolean;
  steps: Step[];
}

interface Model {
  status: string;
  failures: number;
  lastCode: string | null;
  tokenUsed: boolean;
}

const isOpen = (status: string) => status === 'created' || status === 'in_progress';

function makePlans(seed: number): Plan[] {
  const rand = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];
  const testAction = (custom: boolean): Action => {
    const r = rand();
    if (r < 0.34) return { kind: 'fail', code: rand() < 0.3 ? undefined : pick(CHECK_CODES) };
    if (r < 0.46) {
      const keys = rand() < 0.5 ? undefined : custom ? ['age_over_21', 'kayle_document_id'] : ['kayle_document_id'];
      return { kind: 'succeed', keys };
    }
    if (r < 0.52) return { kind: 'succeed_invalid' };
    if (r < 0.6) return { kind: 'expire' };
    if (r < 0.68) return { kind: 'cancel' };
    if (r < 0.76) return { kind: 'public_cancel' };
    if (r < 0.8) return { kind: 'helper_with_live_key' };
    return { kind: 'read' };
  };
  const liveAction = (): Action => pick<Action>([{ kind: 'cancel' }, { kind: 'public_cancel' }, { kind: 'read' }, { kind: 'read' }]);
  // The first few reach every final status whatever the seed, so the check below cannot flake.
  const single = (...actions: Action[]): Step[] => actions.map((action) => ({ race: false as const, action }));
  const fixed: Array<Omit<Plan, 'index' | 'tenant'>> = [
    { livemode: false, custom: false, steps: single({ kind: 'fail' }, { kind: 'fail' }, { kind: 'fail', code: 'liveness_failed' }) },
    { livemode: false, custom: true, steps: single({ kind: 'fail' }, { kind: 'succeed' }) },
    { livemode: false, custom: false, steps: single({ kind: 'expire' }) },
    { livemode: true, custom: false, steps: single({ kind: 'public_cancel' }, { kind: 'cancel' }) },
    { livemode: false, custom: true, steps: single({ kind: 'read' }) },
  ];
  return Array.from({ length: JOURNEYS }, (_, index) => {
    if (index < fixed.length) return { index, tenant: index % TENANTS, ...fixed[index] };
    const livemode = rand() < 0.15;
    const custom = rand() < 0.5;
    const length = Math.floor(rand() * 7); // 0..6 steps: some journeys never leave `created`
    const next = () => (livemode ? liveAction() : testAction(custom));
    const steps: Step[] = Array.from({ length }, () =>
      rand() < 0.15 ? { race: true as const, actions: [next(), next()] as [Action, Action] } : { race: false as const, action: next() },
    );
    return { index, tenant: Math.floor(rand() * TENANTS), livemode, custom, steps };
  });
}

describe('Randomized lifecycle journeys (§3.8: exactly one session event per terminal session)', () => {
  let t: TestApp;
  let tenants: Array<{ live: CreatedKey; test: CreatedKey }>;

  beforeAll(async () => {
    // Rate limits off: the journeys send far more than a minute's budget per key.
    t = await createTestApp({ RATE_LIMIT_SESSIONS_CREATE_PER_MIN: '0', RATE_LIMIT_WRITE_PER_MIN: '0', RATE_LIMIT_READ_PER_MIN: '0', RATE_LIMIT_PUBLIC_PER_MIN: '0' });
    tenants = [];
    for (let i = 0; i < TENANTS; i++) tenants.push(await t.tenant());
  });
  afterAll(async () => t?.close());

  it(`${JOURNEYS} journeys, ${CONCURRENCY} at a time`, async () => {
    const seed = process.env.JOURNEY_SEED ? Number(process.env.JOURNEY_SEED) : Date.now() % 2 ** 31;
    console.log(`lifecycle journeys: seed ${seed} (replay with JOURNEY_SEED=${seed})`);
    const plans = makePlans(seed);
    const started = Date.now();

    const run = async (plan: Plan) => {
      const { live, test } = tenants[plan.tenant];
      const key = plan.livemode ? live : test;
      const created = await t
        .http()
        .post('/v1/sessions')
        .set(bearer(key))
        .send(plan.custom ? { share_fields: CUSTOM_FIELDS } : {});
      if (created.status !== 200) throw new Error(`journey ${plan.index}: create → ${created.status} ${created.text}`);
      const id: string = created.body.data.id;
      const cancelToken: string = created.body.data.cancel_token;
      const model: Model = { status: 'created', failures: 0, lastCode: null, tokenUsed: false };
      const where = (step: number, action: Action) => `seed ${seed}, journey ${plan.index} (${id}), step ${step} ${JSON.stringify(action)}`;

      const send = (action: Action): Promise<Response> => {
        const helperPath = (name: string) => `/v1/test_helpers/sessions/${id}/${name}`;
        switch (action.kind) {
          case 'fail':
            return t.http().post(helperPath('fail')).set(bearer(key)).send(action.code ? { failure_code: action.code } : {});
          case 'succeed':
            return t.http().post(helperPath('succeed')).set(bearer(key)).send(action.keys ? { selected_field_keys: action.keys } : {});
          case 'succeed_invalid':
            return t.http().post(helperPath('succeed')).set(bearer(key)).send({ selected_field_keys: [] });
          case 'expire':
            return t.http().post(helperPath('expire')).set(bearer(key));
          case 'cancel':
            return t.http().post(`/v1/sessions/${id}/cancel`).set(bearer(key));
          case 'public_cancel':
            return t.http().post(`/v1/verify/session/${id}/cancel`).send({ cancel_token: cancelToken });
          case 'helper_with_live_key':
            return t.http().post(helperPath('fail')).set(bearer(live));
          case 'read':
            return t.http().get(`/v1/sessions/${id}?include_attempts=true`).set(bearer(key));
        }
      };

      /** The answer the model predicts, and the model after it. */
      const expectAndApply = (action: Action, res: Response, label: string) => {
        const fail = (expected: string) => {
          throw new Error(`${label}: expected ${expected}, got ${res.status} ${res.text} (model ${JSON.stringify(model)})`);
        };
        const open = isOpen(model.status);
        switch (action.kind) {
          case 'fail': {
            if (!open) return res.status === 409 && res.body.error.code === 'SESSION_TERMINAL' ? undefined : fail('409 SESSION_TERMINAL');
            model.failures += 1;
            model.lastCode = action.code ?? 'document_authenticity_failed';
            model.status = model.failures >= 3 ? 'failed' : 'created';
            break;
          }
          case 'succeed':
          case 'expire':
            if (!open) return res.status === 409 && res.body.error.code === 'SESSION_TERMINAL' ? undefined : fail('409 SESSION_TERMINAL');
            model.status = action.kind === 'succeed' ? 'succeeded' : 'expired';
            break;
          case 'succeed_invalid':
            if (!open) return res.status === 409 && res.body.error.code === 'SESSION_TERMINAL' ? undefined : fail('409 SESSION_TERMINAL');
            return res.status === 400 && res.body.error.code === 'SHARE_SELECTION_REQUIRED' ? undefined : fail('400 SHARE_SELECTION_REQUIRED');
          case 'cancel':
            if (res.status !== 204) return fail('204');
            if (open) model.status = 'cancelled';
            return;
          case 'public_cancel':
            if (model.tokenUsed) return res.status === 409 && res.body.error.code === 'CANCEL_TOKEN_CONSUMED' ? undefined : fail('409 CANCEL_TOKEN_CONSUMED');
            if (res.status !== 204) return fail('204');
            if (open) {
              model.status = 'cancelled';
              model.tokenUsed = true;
            }
            return;
          case 'helper_with_live_key':
            return res.status === 403 && res.body.error.code === 'TEST_MODE_REQUIRED' ? undefined : fail('403 TEST_MODE_REQUIRED');
          case 'read':
            break;
        }
        if (res.status !== 200) return fail('200');
        if (res.body.data.status !== model.status) return fail(`status ${model.status}`);
      };

      for (const [n, step] of plan.steps.entries()) {
        if (!step.race) {
          expectAndApply(step.action, await send(step.action), where(n, step.action));
          continue;
        }
        // Two requests on the same session at once: any serial order is acceptable, so
        // check the codes loosely, then take the model from the stored session.
        const results = await Promise.all(step.actions.map(send));
        results.forEach((res, i) => {
          if (![200, 204, 400, 403, 409].includes(res.status)) {
            throw new Error(`${where(n, step.actions[i])} (race): unexpected ${res.status} ${res.text}`);
          }
        });
        const now = await getSession(t, key, id);
        const checkFailures = now.attempts!.filter((a) => a.status === 'failed' && CHECK_CODES.includes(a.failure_code!));
        model.status = now.status;
        model.failures = checkFailures.length;
        model.lastCode = checkFailures.at(-1)?.failure_code ?? null;
        if (step.actions.some((a) => a.kind === 'public_cancel') && !isOpen(now.status)) {
          // The token is used only if the public cancel is the one that cancelled; on a
          // terminal session a probe changes nothing, so ask the endpoint instead of guessing.
          const probe = await t.http().post(`/v1/verify/session/${id}/cancel`).send({ cancel_token: cancelToken });
          model.tokenUsed = probe.status === 409;
        }
      }

      const final = await getSession(t, key, id);
      const label = `seed ${seed}, journey ${plan.index} (${id}) final`;
      expect({ label, status: final.status }).toEqual({ label, status: model.status });
      return { plan, final, model };
    };

    const outcomes = await runPool(
      plans.map((plan) => () => run(plan)),
      CONCURRENCY,
    );

    // The outbox, read once for every session.
    const events = await eventsFor(
      t,
      outcomes.map((o) => o.final.id),
    );
    const bySession = new Map<string, EventRow[]>();
    for (const e of events) bySession.set(e.session_id, [...(bySession.get(e.session_id) ?? []), e]);

    const tally: Record<string, number> = {};
    for (const { plan, final, model } of outcomes) {
      const label = `seed ${seed}, journey ${plan.index} (${final.id})`;
      tally[final.status] = (tally[final.status] ?? 0) + 1;
      const rows = bySession.get(final.id) ?? [];
      const sessionRows = rows.filter((e) => (SESSION_EVENT_TYPES as readonly string[]).includes(e.type));
      const attempts = final.attempts!;
      const attemptIds = new Set(attempts.map((a) => a.id));

      if (TERMINAL_STATUSES.includes(final.status)) {
        expect({ label, types: sessionRows.map((e) => e.type) }).toEqual({ label, types: [`verification.session.${final.status}`] });
        expect({ label, trigger: [sessionRows[0].trigger_type, sessionRows[0].trigger_id] }).toEqual({
          label,
          trigger: ['verification_session', final.id],
        });
        expect({ label, completed: final.completed_at !== null }).toEqual({ label, completed: true });
      } else {
        expect({ label, types: sessionRows.map((e) => e.type) }).toEqual({ label, types: [] });
        expect({ label, completed_at: final.completed_at, failure_code: final.failure_code }).toEqual({
          label,
          completed_at: null,
          failure_code: null,
        });
      }

      // The session's own fields for its final status (§3.1).
      const expectedFailureCode = {
        succeeded: null,
        failed: model.lastCode,
        expired: 'session_expired',
        cancelled: 'session_cancelled',
      }[final.status as 'succeeded'];
      if (TERMINAL_STATUSES.includes(final.status)) {
        expect({ label, failure_code: final.failure_code }).toEqual({ label, failure_code: expectedFailureCode ?? null });
      }
      if (final.status === 'expired') expect({ label, completed_at: final.completed_at }).toEqual({ label, completed_at: final.expires_at });
      if (final.status === 'failed') {
        expect({ label, summary: sessionRows[0].summary }).toEqual({ label, summary: { failure_code: model.lastCode, failed_attempts: 3 } });
      }

      // Attempt events mirror the attempts: one attempt.failed per check failure, one
      // attempt.succeeded per succeeded attempt (at most one), each on its own attempt.
      const checkFailed = attempts.filter((a) => a.status === 'failed' && CHECK_CODES.includes(a.failure_code!));
      const succeeded = attempts.filter((a) => a.status === 'succeeded');
      expect({ label, failures: checkFailed.length }).toEqual({ label, failures: model.failures });
      expect({ label, succeeded: succeeded.length }).toEqual({ label, succeeded: final.status === 'succeeded' ? 1 : 0 });
      const attemptRows = rows.filter((e) => e.type.startsWith('verification.attempt.'));
      expect({ label, attemptEvents: attemptRows.map((e) => [e.type, e.trigger_type, e.trigger_id]).sort() }).toEqual({
        label,
        attemptEvents: [
          ...checkFailed.map((a) => ['verification.attempt.failed', 'verification_attempt', a.id]),
          ...succeeded.map((a) => ['verification.attempt.succeeded', 'verification_attempt', a.id]),
        ].sort(),
      });
      for (const row of attemptRows) expect(attemptIds.has(row.trigger_id)).toBe(true);
      expect(rows.every((e) => e.livemode === final.livemode)).toBe(true);
    }

    // The plan must actually reach every outcome, or the run proves little.
    for (const status of ['created', ...TERMINAL_STATUSES]) expect({ status, seen: (tally[status] ?? 0) > 0 }).toEqual({ status, seen: true });
    console.log(`lifecycle journeys: ${JSON.stringify(tally)} in ${Date.now() - started} ms, ${events.length} events`);
  });
});
