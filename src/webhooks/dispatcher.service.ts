import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { In, type DataSource, type EntityManager, type EntitySubscriberInterface, type QueryRunner } from 'typeorm';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { Clock } from '../common/clock.js';
import { EntityInsertWriter } from '../common/entity-insert.js';
import { EntityReader } from '../common/entity-reader.js';
import { EntityUpdate, placeholders } from '../common/entity-update.js';
import { newId, randomToken } from '../common/ids.js';
import { SecretBox } from '../common/secret-box.js';
import { DatabaseService } from '../database/database.service.js';
import { directQuery } from '../database/direct-query.js';
import { markers } from '../database/sql-placeholders.js';
import { WebhookDeliveryAttempt } from './entities/webhook-delivery-attempt.entity.js';
import { WebhookDelivery, type DeliveryError } from './entities/webhook-delivery.entity.js';
import { WebhookEndpoint } from './entities/webhook-endpoint.entity.js';
import { postToEndpoint } from './endpoint-post.js';
import { HostResolver } from './host-resolver.js';
import { nextAttemptAt } from './schedule.js';
import { signatureHeader } from './signature.js';

export const CLAIM_BATCH = 20;
export const LEASE_MS = 60_000;

type Outcome = { ok: true; statusCode: number } | { ok: false; statusCode: number | null; error: DeliveryError };

/**
 * The dispatcher's statements, written once: every event's delivery runs them (claim,
 * send, record), and TypeORM's builders wrote them anew each time, timestamps inlined.
 */
function dispatchStatements(dataSource: DataSource) {
  const result = ['status', 'nextAttemptAt', 'lastStatusCode', 'lastError', 'leaseOwner', 'leaseExpiresAt', 'updatedAt'] as const;
  const current = "id = ? AND status = 'delivering' AND attempt_count = ?";
  return {
    deliveryRows: new EntityReader(dataSource, WebhookDelivery),
    endpointRows: new EntityReader(dataSource, WebhookEndpoint),
    attemptInsert: new EntityInsertWriter(dataSource, WebhookDeliveryAttempt),
    /** A result, written only while the lease that sent it still holds. */
    recordLeased: new EntityUpdate(dataSource, WebhookDelivery, result, `${current} AND lease_owner = ?`),
    recordUnleased: new EntityUpdate(dataSource, WebhookDelivery, result, `${current} AND lease_owner IS NULL`),
    due: placeholders(
      dataSource,
      `SELECT id FROM webhook_deliveries WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
        ORDER BY created_at ASC, id ASC LIMIT ?`,
    ),
    /** SQLite's claim of `count` due deliveries (PostgreSQL claims in one UPDATE … SKIP LOCKED). */
    lease: (count: number) =>
      placeholders(
        dataSource,
        `UPDATE webhook_deliveries SET status = 'delivering', lease_owner = ?, lease_expires_at = ?,
                attempt_count = attempt_count + 1, last_attempt_at = ?, updated_at = ?
          WHERE id IN (${markers(count)}) AND status = 'pending'`,
      ),
  };
}

/**
 * Sends due deliveries (§5.13). Each instance claims up to 20 at a time with a lease that
 * no other instance can take (a conditional update on SQLite, FOR UPDATE SKIP LOCKED on
 * PostgreSQL), posts them with bounded concurrency, and writes each result only while it
 * still holds the lease, so a reset or a reclaimed lease discards a stale result.
 */
@Injectable()
export class WebhookDispatcher implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  readonly owner = `disp_${randomToken(24)}`;
  private readonly box: SecretBox;
  private readonly sql: ReturnType<typeof dispatchStatements>;
  private timer: NodeJS.Timeout | null = null;
  private nudgeTimer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private again = false;
  private stopped = false;
  /** Transactions that wrote due deliveries and have not committed yet. */
  private readonly awaitingCommit = new WeakSet<QueryRunner>();
  /**
   * Nudges for those transactions wait for their commit: a cycle that starts earlier does
   * not see the rows (PostgreSQL), and with WEBHOOK_DISPATCH_INTERVAL_MS=0 nothing would
   * send them later.
   */
  private readonly commitListener: EntitySubscriberInterface = {
    afterTransactionCommit: ({ queryRunner }) => {
      if (!queryRunner.isTransactionActive && this.awaitingCommit.delete(queryRunner)) this.nudge();
    },
    afterTransactionRollback: ({ queryRunner }) => {
      if (!queryRunner.isTransactionActive) this.awaitingCommit.delete(queryRunner);
    },
  };

  constructor(
    private readonly db: DatabaseService,
    private readonly clock: Clock,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    private readonly resolver: HostResolver,
  ) {
    this.box = new SecretBox(config.serverSecret);
    this.sql = dispatchStatements(db.dataSource);
  }

  onModuleInit(): void {
    this.db.dataSource.subscribers.push(this.commitListener);
  }

  onApplicationBootstrap(): void {
    const every = this.config.webhooks.dispatchIntervalMs;
    if (every > 0) {
      this.timer = setInterval(() => void this.runOnce(), every);
      this.timer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    const listener = this.db.dataSource.subscribers.indexOf(this.commitListener);
    if (listener >= 0) this.db.dataSource.subscribers.splice(listener, 1);
    if (this.timer) clearInterval(this.timer);
    if (this.nudgeTimer) clearTimeout(this.nudgeTimer);
    await this.running?.catch(() => undefined);
  }

  /** Dispatch soon after the transaction of `manager` commits (at once outside a transaction). */
  nudgeAfterCommit(manager: EntityManager): void {
    const runner = manager.queryRunner;
    if (runner?.isTransactionActive) this.awaitingCommit.add(runner);
    else this.nudge();
  }

  /** Dispatch soon: called once deliveries were committed. */
  nudge(): void {
    if (this.stopped || this.nudgeTimer) return;
    this.nudgeTimer = setTimeout(() => {
      this.nudgeTimer = null;
      void this.runOnce();
    }, 10);
    this.nudgeTimer.unref();
  }

  /**
   * One dispatch cycle: reclaims expired leases, then claims and sends due deliveries
   * until none is due. Overlapping calls share the cycle in progress (and trigger one more).
   * Resolves to the number of attempts made.
   */
  runOnce(): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.cycle()
      .catch((err: unknown) => {
        this.logger.error(`Webhook dispatch failed: ${(err as Error).message}`);
        return 0;
      })
      .finally(() => {
        this.running = null;
        if (this.again && !this.stopped) {
          this.again = false;
          void this.runOnce();
        }
      });
    return this.running;
  }

  /**
   * Resets deliveries for retry or replay (§5.13): pending, no attempts, due now, lease
   * released. An attempt in flight loses its lease, so its result is discarded.
   */
  async resetDeliveriesIn(manager: EntityManager, deliveryIds: string[], now: Date): Promise<void> {
    if (deliveryIds.length === 0) return;
    await manager.update(
      WebhookDelivery,
      { id: In(deliveryIds) },
      {
        status: 'pending',
        attemptCount: 0,
        nextAttemptAt: null,
        lastAttemptAt: null,
        lastStatusCode: null,
        lastError: null,
        leaseOwner: null,
        leaseExpiresAt: null,
        updatedAt: now,
      },
    );
    this.nudgeAfterCommit(manager);
  }

  private async cycle(): Promise<number> {
    let attempts = await this.reclaimExpiredLeases();
    while (!this.stopped) {
      const claimed = await this.claim();
      if (claimed.length === 0) break;
      await this.sendAll(claimed);
      attempts += claimed.length;
    }
    return attempts;
  }

  /** Deliveries left `delivering` by a dead instance count that attempt as failed. */
  private async reclaimExpiredLeases(): Promise<number> {
    const now = this.clock.now();
    const stale = await this.db.read((m) =>
      this.sql.deliveryRows.select(m, "WHERE status = 'delivering' AND lease_expires_at <= ? LIMIT 100", [now.getTime()]),
    );
    let reclaimed = 0;
    for (const delivery of stale) {
      const recorded = await this.record(delivery, { ok: false, statusCode: null, error: 'lease_expired' }, now, delivery.leaseOwner);
      if (recorded) reclaimed++;
    }
    return reclaimed;
  }

  private async claim(): Promise<WebhookDelivery[]> {
    const now = this.clock.now();
    // A fresh lease token per claim: a result from before a reset can never match it.
    const lease = `${this.owner}.${randomToken(8)}`;
    const leaseUntil = now.getTime() + LEASE_MS;
    if (this.db.driver === 'postgres') {
      // TypeORM returns [rows, affected] for an UPDATE … RETURNING on PostgreSQL.
      const [rows]: [Array<{ id: string }>, number] = await this.db.dataSource.query(
        `UPDATE webhook_deliveries SET status = 'delivering', lease_owner = $1, lease_expires_at = $2,
                attempt_count = attempt_count + 1, last_attempt_at = $3, updated_at = $3
          WHERE id IN (SELECT id FROM webhook_deliveries
                        WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= $3)
                        ORDER BY created_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
          RETURNING id`,
        [lease, leaseUntil, now.getTime(), CLAIM_BATCH],
      );
      if (rows.length === 0) return [];
      return this.db.read((m) => this.leased(m, rows, lease));
    }
    const dueIn = async (m: EntityManager) => (await directQuery(m, this.sql.due, [now.getTime(), CLAIM_BATCH])) as Array<{ id: string }>;
    // Most cycles find nothing due (every commit with a delivery nudges one): a shared read
    // answers that without queueing behind, and blocking, every request's write transaction.
    if ((await this.db.read(dueIn)).length === 0) return [];
    return this.db.transaction(async (m) => {
      const due = await dueIn(m);
      if (due.length === 0) return [];
      await directQuery(m, this.sql.lease(due.length), [lease, leaseUntil, now.getTime(), now.getTime(), ...due.map((d) => d.id)]);
      return this.leased(m, due, lease);
    });
  }

  /** The deliveries among `rows` that `lease` holds, oldest first. */
  private leased(m: EntityManager, rows: Array<{ id: string }>, lease: string): Promise<WebhookDelivery[]> {
    return this.sql.deliveryRows.select(m, `WHERE id IN (${markers(rows.length)}) AND lease_owner = ? ORDER BY created_at ASC, id ASC`, [
      ...rows.map((r) => r.id),
      lease,
    ]);
  }

  private async sendAll(deliveries: WebhookDelivery[]): Promise<void> {
    const queue = [...deliveries];
    const workers = Array.from({ length: Math.min(this.config.webhooks.concurrency, queue.length) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const outcome = await this.attempt(next);
        await this.record(next, outcome, this.clock.now(), next.leaseOwner);
      }
    });
    await Promise.all(workers);
  }

  private async attempt(delivery: WebhookDelivery): Promise<Outcome> {
    const endpoint = await this.db.read((m) => this.sql.endpointRows.findById(m, delivery.endpointId));
    if (!endpoint || !endpoint.enabled) return { ok: false, statusCode: null, error: 'endpoint_disabled' };
    const body = delivery.payload ?? '';
    const now = this.clock.now();
    let secrets: string[];
    try {
      secrets = [this.box.open(endpoint.signingSecret).toString('utf8')];
      if (endpoint.previousSigningSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
        secrets.push(this.box.open(endpoint.previousSigningSecret).toString('utf8'));
      }
    } catch {
      return { ok: false, statusCode: null, error: 'signing_secret_unavailable' };
    }
    const result = await postToEndpoint(
      endpoint.url,
      {
        timeoutMs: this.config.webhooks.timeoutMs,
        headers: {
          'content-type': 'application/jose',
          'x-kayle-event': delivery.eventType,
          'x-kayle-delivery-id': delivery.id,
          'x-kayle-signature': signatureHeader(secrets, Math.floor(now.getTime() / 1000), body),
          'user-agent': 'Passline-Webhooks/1.0',
        },
        body,
      },
      this.resolver,
      this.config.webhooks.network,
    );
    if ('error' in result) return { ok: false, statusCode: null, error: result.error };
    if (result.statusCode >= 200 && result.statusCode < 300) return { ok: true, statusCode: result.statusCode };
    return { ok: false, statusCode: result.statusCode, error: 'http_status' };
  }

  /** Writes an attempt's result if `leaseOwner` still holds the delivery's lease. */
  private async record(delivery: WebhookDelivery, outcome: Outcome, now: Date, leaseOwner: string | null): Promise<boolean> {
    return this.db.transaction(async (m) => {
      const attemptNumber = delivery.attemptCount;
      const next = outcome.ok ? null : nextAttemptAt(attemptNumber, now);
      const values = {
        status: outcome.ok ? ('succeeded' as const) : next ? ('pending' as const) : ('failed' as const),
        nextAttemptAt: next,
        lastStatusCode: outcome.statusCode,
        lastError: outcome.ok ? null : outcome.error,
        leaseOwner: null,
        leaseExpiresAt: null,
        updatedAt: now,
      };
      const changed =
        leaseOwner === null
          ? await this.sql.recordUnleased.run(m, values, [delivery.id, attemptNumber])
          : await this.sql.recordLeased.run(m, values, [delivery.id, attemptNumber, leaseOwner]);
      if (changed !== 1) return false;
      await this.sql.attemptInsert.insert(m, {
        id: newId.deliveryAttempt(),
        deliveryId: delivery.id,
        attemptNumber,
        statusCode: outcome.statusCode,
        error: outcome.ok ? null : outcome.error,
        durationMs: Math.max(0, now.getTime() - (delivery.lastAttemptAt?.getTime() ?? now.getTime())),
        createdAt: now,
      });
      return true;
    });
  }
}
