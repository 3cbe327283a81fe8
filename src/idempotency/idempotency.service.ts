import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { Clock } from '../common/clock.js';
import { SecretBox } from '../common/secret-box.js';
import { DatabaseService } from '../database/database.service.js';
import { IdempotencyKey } from './entities/idempotency-key.entity.js';

export const RETENTION_MS = 24 * 60 * 60 * 1000;
/** How long an in-flight key is held before a crashed request's key can be reused. */
export const IN_FLIGHT_LEASE_MS = 60_000;

export type BeginResult =
  | { kind: 'new' }
  | { kind: 'replay'; status: number; body: string }
  | { kind: 'in_flight' }
  | { kind: 'mismatch' };

@Injectable()
export class IdempotencyService {
  private readonly box: SecretBox;

  constructor(
    private readonly db: DatabaseService,
    private readonly clock: Clock,
    @Inject(appConfig.KEY) config: AppConfig,
  ) {
    this.box = new SecretBox(config.serverSecret);
  }

  /** Claims the key for a first request, or says how to answer a repeated one. */
  async begin(apiKeyId: string, key: string, fingerprint: string): Promise<BeginResult> {
    try {
      return await this.db.transaction((m) => this.beginIn(m, apiKeyId, key, fingerprint));
    } catch (err) {
      // Two first requests raced to insert the key (PostgreSQL): the loser looks again.
      if (isUniqueViolation(err)) return this.db.transaction((m) => this.beginIn(m, apiKeyId, key, fingerprint));
      throw err;
    }
  }

  private async beginIn(m: EntityManager, apiKeyId: string, key: string, fingerprint: string): Promise<BeginResult> {
    const now = this.clock.now();
    let row = await m.findOne(IdempotencyKey, { where: { apiKeyId, idempotencyKey: key } });
    if (row && row.expiresAt.getTime() <= now.getTime()) {
      await m.delete(IdempotencyKey, { apiKeyId, idempotencyKey: key });
      row = null;
    }
    if (!row) {
      await m.insert(IdempotencyKey, {
        apiKeyId,
        idempotencyKey: key,
        fingerprint,
        status: 'in_flight',
        responseStatus: null,
        responseBody: null,
        lockedUntil: new Date(now.getTime() + IN_FLIGHT_LEASE_MS),
        createdAt: now,
        expiresAt: new Date(now.getTime() + RETENTION_MS),
      });
      return { kind: 'new' };
    }
    if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (row.status === 'completed' && row.responseStatus !== null) {
      return { kind: 'replay', status: row.responseStatus, body: row.responseBody ? this.box.open(row.responseBody).toString('utf8') : '' };
    }
    if (row.lockedUntil.getTime() > now.getTime()) return { kind: 'in_flight' };
    await m.update(
      IdempotencyKey,
      { apiKeyId, idempotencyKey: key },
      { lockedUntil: new Date(now.getTime() + IN_FLIGHT_LEASE_MS) },
    );
    return { kind: 'new' };
  }

  /** Stores the first request's response for replay. */
  async complete(apiKeyId: string, key: string, status: number, body: string): Promise<void> {
    await this.db.transaction((m) =>
      m.update(
        IdempotencyKey,
        { apiKeyId, idempotencyKey: key, status: 'in_flight' },
        { status: 'completed', responseStatus: status, responseBody: this.box.seal(body) },
      ),
    );
  }

  /** Forgets a key whose request ended before the handler stage or with a 5xx. */
  async release(apiKeyId: string, key: string): Promise<void> {
    await this.db.transaction((m) => m.delete(IdempotencyKey, { apiKeyId, idempotencyKey: key, status: 'in_flight' }));
  }

  /** Deletes keys past their 24 h retention. */
  async deleteExpired(): Promise<number> {
    const now = this.clock.now();
    const result = await this.db.transaction((m) =>
      m
        .createQueryBuilder()
        .delete()
        .from(IdempotencyKey)
        .where('expires_at <= :now', { now: now.getTime() })
        .execute(),
    );
    return result.affected ?? 0;
  }
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string; driverError?: { code?: string } }).driverError?.code ?? (err as { code?: string }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
