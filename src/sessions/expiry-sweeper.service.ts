import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SessionLifecycleService } from './attempts/session-lifecycle.service.js';
import { appConfig, type AppConfig } from '../config/app.config.js';

/** Expires overdue sessions every EXPIRY_SWEEP_INTERVAL_S (§3.7); lazy expiry covers reads. */
@Injectable()
export class ExpirySweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ExpirySweeper.name);
  private running: Promise<number> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly lifecycle: SessionLifecycleService,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.expireOverdueSessions(), this.config.expirySweepIntervalS * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One sweep; overlapping calls share the run in progress. Returns how many expired. */
  expireOverdueSessions(): Promise<number> {
    this.running ??= this.lifecycle
      .expireOverdueSessions()
      .catch((err: unknown) => {
        this.logger.error(`Expiry sweep failed: ${(err as Error).message}`);
        return 0;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }
}
