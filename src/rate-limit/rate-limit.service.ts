import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { Clock } from '../common/clock.js';
import { DatabaseService } from '../database/database.service.js';

export const WINDOW_MS = 60_000;

export type Bucket = 'sessions_create' | 'write' | 'read' | 'public' | 'public_status';

export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Whole seconds until the window resets. */
  resetS: number;
  allowed: boolean;
}

/**
 * Fixed 60-second windows per API key and bucket (§1.10), shared by every instance. On
 * PostgreSQL the counters live in `rate_limit_counters` (one upsert per request). SQLite
 * serves exactly one process per database file, so that process's memory is the one
 * shared place and no write is spent per request.
 */
@Injectable()
export class RateLimitService implements OnApplicationShutdown {
  private readonly logger = new Logger(RateLimitService.name);
  private readonly memory = new Map<string, { windowStart: number; count: number }>();
  private lastPrune = 0;

  constructor(
    private readonly db: DatabaseService,
    private readonly clock: Clock,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {}

  limitFor(bucket: Bucket): number {
    const limits = this.config.rateLimits;
    return {
      sessions_create: limits.sessionsCreate,
      write: limits.write,
      read: limits.read,
      public: limits.public,
      public_status: limits.publicStatus,
    }[bucket];
  }

  /** Counts one request; null when the bucket is turned off (limit 0). */
  async consume(subject: string, bucket: Bucket): Promise<RateLimitState | null> {
    const limit = this.limitFor(bucket);
    if (limit === 0) return null;
    const now = this.clock.now().getTime();
    const windowStart = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    const key = `${bucket}:${subject}`;
    const count = this.db.driver === 'postgres' ? await this.countInDatabase(key, windowStart, now) : this.countInMemory(key, windowStart, now);
    return {
      limit,
      remaining: Math.max(0, limit - count),
      resetS: Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000)),
      allowed: count <= limit,
    };
  }

  private countInMemory(key: string, windowStart: number, now: number): number {
    const entry = this.memory.get(key);
    const next = entry && entry.windowStart === windowStart ? { windowStart, count: entry.count + 1 } : { windowStart, count: 1 };
    this.memory.set(key, next);
    if (now - this.lastPrune > WINDOW_MS) {
      this.lastPrune = now;
      for (const [k, v] of this.memory) if (v.windowStart < windowStart) this.memory.delete(k);
    }
    return next.count;
  }

  private async countInDatabase(key: string, windowStart: number, now: number): Promise<number> {
    const rows: Array<{ count: number | string }> = await this.db.dataSource.query(
      `INSERT INTO rate_limit_counters (bucket_key, window_start, count) VALUES ($1, $2, 1)
       ON CONFLICT (bucket_key, window_start) DO UPDATE SET count = rate_limit_counters.count + 1
       RETURNING count`,
      [key, windowStart],
    );
    if (now - this.lastPrune > WINDOW_MS) {
      this.lastPrune = now;
      this.db.dataSource
        .query('DELETE FROM rate_limit_counters WHERE window_start < $1', [windowStart - WINDOW_MS])
        .catch((err: unknown) => this.logger.warn(`Could not prune rate-limit windows: ${(err as Error).message}`));
    }
    return Number(rows[0].count);
  }

  onApplicationShutdown(): void {
    this.memory.clear();
  }
}
