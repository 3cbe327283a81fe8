import passport from 'passport';
import { DataSource } from 'typeorm';
import { SessionLifecycleService } from '../dist/src/sessions/attempts/session-lifecycle.service.js';
import { BearerStrategy } from '../dist/src/auth/bearer.strategy.js';
import { appConfig } from '../dist/src/config/app.config.js';
import { DatabaseService } from '../dist/src/database/database.service.js';
import { WebhookDispatcher } from '../dist/src/webhooks/dispatcher.service.js';
import { WebhookDelivery } from '../dist/src/webhooks/entities/webhook-delivery.entity.js';
import { HostResolver } from '../dist/src/webhooks/host-resolver.js';
import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';
import { createSession, drive, runPool } from './helpers/lifecycle.js';
import {
  advanceAndDispatch,
  clockOf,
  connectEndpoint,
  dispatch,
  dispatcherOf,
  eventOf,
  listDeliveries,
  listEvents,
  startTestReceiver,
  waitForDelivery,
  type ConnectedEndpoint,
  type ReceivedRequest,
  type TestReceiver,
} from './helpers/receiver.js';
import { expectOk, type Json } from './webhooks-api-helpers.js';

const LEASE_MS = 60_000;
const CANCELLED = ['verification.session.cancelled'];

/**
 * Exactly-once under faults (§5.13): leases left by a dead dispatcher, two dispatchers
 * racing over one backlog, resets while an attempt is in flight, and commits slower than
 * the dispatch nudge. The receiver counts requests by X-Kayle-Delivery-Id.
 */
describe('Webhook delivery under faults (§5.13)', () => {
  let t: TestApp;
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await startTestReceiver();
    t = await createTestApp({ WEBHOOK_DISPATCH_INTERVAL_MS: '0', WEBHOOK_TIMEOUT_MS: '5000' });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  /** Another dispatcher on the same database and clock, with its own lease owner id: a second instance. */
  const anotherDispatcher = (): WebhookDispatcher =>
    new WebhookDispatcher(t.app.get(DatabaseService), clockOf(t), t.app.get(appConfig.KEY), t.app.get(HostResolver));

  /** Runs `work` while `t`'s dispatcher ignores nudges, so deliveries stay queued for someone else. */
  async function withoutNudges<T>(work: () => Promise<T>): Promise<T> {
    const dispatcher = dispatcherOf(t) as WebhookDispatcher & { nudge: () => void };
    dispatcher.nudge = () => undefined;
    try {
      return await work();
    } finally {
      delete (dispatcher as Partial<typeof dispatcher>).nudge;
    }
  }

  /**
   * Passport keeps one process-wide strategy registry. Where every app registers its bearer
   * strategy under the same name, the newest app's wins, and once that app is closed the
   * first one answers 401; hand the name back to `t`, which outlives the second instance
   * (a no-op where each app registers under a name of its own).
   */
  function keepAuthenticatingWith(app: TestApp): void {
    const strategy = app.app.get(BearerStrategy) as unknown as passport.Strategy;
    passport.use(strategy.name ?? 'bearer', strategy);
  }

  async function cancelledEvent(test: CreatedKey): Promise<Json> {
    const session = await createSession(t, test);
    expect((await t.http().post(`/v1/sessions/${session.id}/cancel`).set(bearer(test))).status).toBe(204);
    return eventOf(t, test, 'verification.session.cancelled', session.id);
  }

  /** The internal attempt rows of a delivery (never exposed by the API), oldest first. */
  async function attemptRows(deliveryId: string): Promise<Array<{ attempt_number: number; status_code: number | null; error: string | null }>> {
    const rows = await t.app
      .get(DataSource)
      .createQueryBuilder()
      .select('a.attempt_number', 'attempt_number')
      .addSelect('a.status_code', 'status_code')
      .addSelect('a.error', 'error')
      .from('webhook_delivery_attempts', 'a')
      .where('a.delivery_id = :id', { id: deliveryId })
      .orderBy('a.attempt_number', 'ASC')
      .addOrderBy('a.created_at', 'ASC')
      .getRawMany<Record<string, unknown>>();
    return rows.map((r) => ({
      attempt_number: Number(r.attempt_number),
      status_code: r.status_code === null ? null : Number(r.status_code),
      error: (r.error as string | null) ?? null,
    }));
  }

  describe('a lease left by a dead instance', () => {
    it('is left alone for 60 s, then that attempt counts as failed (lease_expired) and the delivery is sent 5 s later', async () => {
      const { test } = await t.tenant();
      const ep = await connectEndpoint(t, test, receiver, { subscribed_event_types: CANCELLED });
      const dead = anotherDispatcher();
      const { event, claimed } = await withoutNudges(async () => {
        const created = await cancelledEvent(test);
        // The other instance claims its batch, then dies before sending anything.
        return { event: created, claimed: (await (dead as any).claim()) as Array<{ id: string }> };
      });
      const deliveryId = event.deliveries[0].id as string;
      expect(claimed.map((d) => d.id)).toContain(deliveryId);
      const leased = await waitForDelivery(t, test, deliveryId, () => true, 'read');
      expect(leased).toMatchObject({ status: 'delivering', attempt_count: 1, last_status_code: null, last_error: null });

      // While the lease holds, the living dispatcher does not touch it.
      await advanceAndDispatch(t, LEASE_MS - 1_000);
      expect(await waitForDelivery(t, test, deliveryId, () => true, 'read')).toMatchObject({ status: 'delivering', attempt_count: 1 });
      expect(receiver.onPath(ep.path)).toEqual([]);

      // Past the lease: the attempt is failed, the schedule's first delay applies.
      await advanceAndDispatch(t, 2_000);
      const reclaimed = await waitForDelivery(t, test, deliveryId, () => true, 'read');
      expect(reclaimed).toMatchObject({ status: 'pending', attempt_count: 1, last_status_code: null, last_error: 'lease_expired' });
      const due = Date.parse(reclaimed.next_attempt_at) - clockOf(t).now().getTime();
      // Due 5 s after the reclaim, which happened just before this read.
      expect(due).toBeGreaterThan(3_000);
      expect(due).toBeLessThanOrEqual(5_000);
      expect(receiver.onPath(ep.path)).toEqual([]);

      await advanceAndDispatch(t, 4_000);
      expect(receiver.onPath(ep.path)).toEqual([]);
      await advanceAndDispatch(t, 1_000);
      const done = await waitForDelivery(t, test, deliveryId, (d) => d.status === 'succeeded', 'the resend');
      expect(done).toMatchObject({ attempt_count: 2, last_status_code: 200, last_error: null, next_attempt_at: null });
      expect(receiver.forDelivery(deliveryId)).toHaveLength(1);
      expect(await attemptRows(deliveryId)).toEqual([
        { attempt_number: 1, status_code: null, error: 'lease_expired' },
        { attempt_number: 2, status_code: 200, error: null },
      ]);
    });

    it('a dead lease on the eighth attempt leaves the delivery failed', async () => {
      const { test } = await t.tenant();
      const ep = await connectEndpoint(t, test, receiver, { subscribed_event_types: CANCELLED });
      receiver.queueFor(ep.path, 500);
      const event = await cancelledEvent(test);
      const deliveryId = event.deliveries[0].id as string;
      await waitForDelivery(t, test, deliveryId, (d) => d.attempt_count === 1 && d.status === 'pending', 'the first attempt');
      // A crashed instance's row: attempt 8 in flight under a foreign lease that ran out.
      const now = clockOf(t).now().getTime();
      await t.app
        .get(DataSource)
        .createQueryBuilder()
        .update(WebhookDelivery)
        .set({
          status: 'delivering',
          attemptCount: 8,
          leaseOwner: 'disp_crashed.0',
          leaseExpiresAt: new Date(now - 1),
          lastAttemptAt: new Date(now - LEASE_MS - 1),
        })
        .where('id = :id', { id: deliveryId })
        .execute();
      await dispatch(t);
      const failed = await waitForDelivery(t, test, deliveryId, () => true, 'read');
      expect(failed).toMatchObject({ status: 'failed', attempt_count: 8, next_attempt_at: null, last_status_code: null, last_error: 'lease_expired' });
      await advanceAndDispatch(t, 24 * 3_600_000);
      expect(receiver.forDelivery(deliveryId)).toHaveLength(1);
    });
  });

  describe('two dispatchers racing over one backlog', () => {
    it('every delivery is received, never by two attempts at once, and never again after its success was recorded', async () => {
      const { test } = await t.tenant();
      const eps: ConnectedEndpoint[] = [];
      for (let i = 0; i < 4; i++) eps.push(await connectEndpoint(t, test, receiver, { subscribed_event_types: ['verification.attempt.failed'] }));
      const paths = new Set(eps.map((e) => e.path));
      // Every fourth delivery (by id) fails its first attempt; replies take 0–15 ms.
      const overlaps: string[] = [];
      const previousReply = receiver.reply;
      receiver.reply = (r: ReceivedRequest) => {
        if (!paths.has(r.path)) return previousReply(r);
        const earlier = receiver.requests.filter((x) => x.deliveryId === r.deliveryId && x !== r);
        if (earlier.some((x) => x.outcome === null)) overlaps.push(r.deliveryId!);
        const firstFails = parseInt(r.deliveryId!.slice(-2), 36) % 4 === 0;
        return { status: firstFails && earlier.length === 0 ? 500 : 200, delayMs: r.seq % 16 };
      };

      // A backlog of 100 deliveries nobody has claimed yet: 25 failed attempts x 4 endpoints.
      const sessions = await runPool(Array.from({ length: 25 }, () => () => createSession(t, test)), 8);
      await withoutNudges(() => runPool(sessions.map((s) => () => drive(t, test, s.id, 'fail')), 8));
      const events = await listEvents(t, test, { type: 'verification.attempt.failed' });
      const ids: string[] = events.flatMap((e) => e.deliveries.map((d: Json) => d.id as string));
      expect(ids).toHaveLength(100);
      expect(new Set(ids).size).toBe(100);
      expect((await listDeliveries(t, test)).every((d) => d.status === 'pending' && d.attempt_count === 0)).toBe(true);

      // On PostgreSQL the second dispatcher is a second app instance on the same database;
      // on SQLite (one server per file) a second dispatcher in this process.
      const second = t.db.driver === 'postgres' ? await createTestApp({ WEBHOOK_DISPATCH_INTERVAL_MS: '0' }, t.db) : null;
      if (second) keepAuthenticatingWith(t);
      const other = second ? dispatcherOf(second) : anotherDispatcher();
      const otherClock = second ? clockOf(second) : null;
      otherClock?.advance(clockOf(t).now().getTime() - otherClock.now().getTime());
      const race = async () => {
        const mine = dispatcherOf(t);
        mine.nudge();
        const results = await Promise.all([mine.runOnce(), other.runOnce(), other.runOnce(), mine.runOnce()]);
        await dispatch(t);
        await other.runOnce();
        return results;
      };
      try {
        const [mineFirst, otherFirst] = await race();
        // Both took part.
        expect(mineFirst).toBeGreaterThan(0);
        expect(otherFirst).toBeGreaterThan(0);
        const firstRound = new Map<string, number>();
        for (const id of ids) firstRound.set(id, receiver.forDelivery(id).length);
        expect([...firstRound.values()].every((n) => n === 1)).toBe(true);

        // The retries of the first-attempt failures, 5 s later, raced again.
        clockOf(t).advance(5_000);
        otherClock?.advance(5_000);
        await race();
        // Much later: nothing is due any more.
        clockOf(t).advance(3_600_000);
        otherClock?.advance(3_600_000);
        await race();
      } finally {
        if (second) {
          await second.close();
          keepAuthenticatingWith(t);
        }
        receiver.reply = previousReply;
      }

      expect(overlaps).toEqual([]);
      const deliveries = new Map((await listDeliveries(t, test)).map((d) => [d.id as string, d]));
      let retried = 0;
      for (const id of ids) {
        const requests = receiver.forDelivery(id);
        const outcomes = requests.map((r) => r.outcome);
        // At least once; the first 200 is the last request for that delivery.
        expect(outcomes.length).toBeGreaterThanOrEqual(1);
        expect(outcomes.indexOf(200)).toBe(outcomes.length - 1);
        const firstFails = parseInt(id.slice(-2), 36) % 4 === 0;
        expect(outcomes).toEqual(firstFails ? [500, 200] : [200]);
        if (firstFails) retried++;
        expect(deliveries.get(id)).toMatchObject({ status: 'succeeded', attempt_count: outcomes.length, last_status_code: 200 });
        expect((await attemptRows(id)).map((a) => a.status_code)).toEqual(outcomes);
      }
      expect(retried).toBeGreaterThan(0);
      // The first app still authenticates after the second one closed.
      expectOk(await t.http().get(`/v1/webhooks/endpoints/${eps[0].id}`).set(bearer(test)));
    });
  });

  describe('a reset while an attempt is in flight', () => {
    it('discards the stale result: a retry during a slow attempt is sent again and the late 500 is never recorded', async () => {
      const { test } = await t.tenant();
      const ep = await connectEndpoint(t, test, receiver, { subscribed_event_types: CANCELLED });
      receiver.queueFor(ep.path, 'hold', 'hold');
      const event = await cancelledEvent(test);
      const deliveryId = event.deliveries[0].id as string;
      await receiver.waitFor((rs) => rs.some((r) => r.deliveryId === deliveryId), 'the first attempt');
      expect(await waitForDelivery(t, test, deliveryId, () => true, 'read')).toMatchObject({ status: 'delivering', attempt_count: 1 });

      const reset = expectOk(await t.http().post(`/v1/webhooks/deliveries/${deliveryId}/retry`).set(bearer(test)));
      expect(reset).toMatchObject({ status: 'pending', attempt_count: 0, last_attempt_at: null });
      // The late answer of the first attempt: its result must not land on the reset delivery.
      expect(receiver.release(500, (r) => r.deliveryId === deliveryId)).toBe(1);
      // The same dispatcher picks the reset delivery up again once its batch is done.
      const second = await receiver.waitFor((rs) => rs.filter((r) => r.deliveryId === deliveryId)[1], 'the resend');
      expect(second.rawBody.equals(receiver.forDelivery(deliveryId)[0].rawBody)).toBe(true);
      const inFlight = await waitForDelivery(t, test, deliveryId, () => true, 'read');
      expect(inFlight).toMatchObject({ status: 'delivering', attempt_count: 1, last_status_code: null, last_error: null });
      expect(await attemptRows(deliveryId)).toEqual([]);

      expect(receiver.release(200, (r) => r.deliveryId === deliveryId)).toBe(1);
      const done = await waitForDelivery(t, test, deliveryId, (d) => d.status === 'succeeded', 'success');
      expect(done).toMatchObject({ attempt_count: 1, last_status_code: 200, last_error: null, next_attempt_at: null });
      expect(await attemptRows(deliveryId)).toEqual([{ attempt_number: 1, status_code: 200, error: null }]);
    });

    it('discards the stale result when another dispatcher already holds a new lease on the same attempt number', async () => {
      const { test } = await t.tenant();
      const ep = await connectEndpoint(t, test, receiver, { subscribed_event_types: CANCELLED });
      receiver.queueFor(ep.path, 'hold', 'hold');
      const event = await cancelledEvent(test);
      const deliveryId = event.deliveries[0].id as string;
      await receiver.waitFor((rs) => rs.some((r) => r.deliveryId === deliveryId), 'the first attempt (this app)');

      // Reset, then claimed at once by another instance: again `delivering`, attempt 1, new lease.
      const other = anotherDispatcher();
      const otherRun = withoutNudges(async () => {
        expectOk(await t.http().post(`/v1/webhooks/deliveries/${deliveryId}/retry`).set(bearer(test)));
        return other.runOnce();
      });
      await receiver.waitFor((rs) => rs.filter((r) => r.deliveryId === deliveryId).length === 2, 'the second attempt (other instance)');

      // The first attempt's late 500 arrives while the other instance's attempt 1 is in flight.
      expect(receiver.release(500, (r) => r.deliveryId === deliveryId && r === receiver.forDelivery(deliveryId)[0])).toBe(1);
      await dispatch(t);
      const inFlight = await waitForDelivery(t, test, deliveryId, () => true, 'read');
      expect(inFlight).toMatchObject({ status: 'delivering', attempt_count: 1, last_status_code: null, last_error: null });
      expect(await attemptRows(deliveryId)).toEqual([]);

      expect(receiver.release(200, (r) => r.deliveryId === deliveryId)).toBe(1);
      await otherRun;
      const done = await waitForDelivery(t, test, deliveryId, (d) => d.status === 'succeeded', 'success');
      expect(done).toMatchObject({ attempt_count: 1, last_status_code: 200, last_error: null });
      expect(await attemptRows(deliveryId)).toEqual([{ attempt_number: 1, status_code: 200, error: null }]);
      expect(receiver.forDelivery(deliveryId).map((r) => r.outcome)).toEqual([500, 200]);
    });
  });

  describe('a commit slower than the dispatch nudge', () => {
    it('sends the delivery once the transaction that wrote it commits (no periodic dispatch)', async () => {
      const { test } = await t.tenant();
      const ep = await connectEndpoint(t, test, receiver, { subscribed_event_types: CANCELLED });
      const session = await createSession(t, test);
      const lifecycle = t.app.get(SessionLifecycleService);
      await t.app.get(DatabaseService).transaction(async (m) => {
        const locked = await lifecycle.lockSession(m, session.id);
        expect(await lifecycle.cancelIn(m, locked!, clockOf(t).now())).toBe(true);
        // Whatever else the transaction does takes a while.
        await new Promise((resolve) => setTimeout(resolve, 200));
      });
      const event = await eventOf(t, test, 'verification.session.cancelled', session.id);
      const deliveryId = event.deliveries[0].id as string;
      await receiver.waitFor((rs) => rs.some((r) => r.deliveryId === deliveryId && r.path === ep.path), 'the delivery', 3_000);
      await waitForDelivery(t, test, deliveryId, (d) => d.status === 'succeeded', 'success');
    });

    it('sends a delivery reset by a slow transaction once it commits', async () => {
      const { test } = await t.tenant();
      const ep = await connectEndpoint(t, test, receiver, { subscribed_event_types: CANCELLED });
      const event = await cancelledEvent(test);
      const deliveryId = event.deliveries[0].id as string;
      await waitForDelivery(t, test, deliveryId, (d) => d.status === 'succeeded', 'the first attempt');
      // What POST …/retry does, in a transaction that takes its time to commit.
      await t.app.get(DatabaseService).transaction(async (m) => {
        await dispatcherOf(t).resetDeliveriesIn(m, [deliveryId], clockOf(t).now());
        await new Promise((resolve) => setTimeout(resolve, 200));
      });
      await receiver.waitFor((rs) => rs.filter((r) => r.deliveryId === deliveryId && r.path === ep.path).length === 2, 'the resend', 3_000);
      await waitForDelivery(t, test, deliveryId, (d) => d.status === 'succeeded' && d.attempt_count === 1, 'success again');
    });
  });
});
