import { Injectable, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { IdempotencyGuard, type IdempotentRequest } from './idempotency.guard.js';
import { IdempotencyRoutes } from './idempotency-routes.js';
import { IdempotencyService } from './idempotency.service.js';
import { aboutRequest } from '../common/logging/logger.js';

const SWEEP_EVERY_MS = 10 * 60 * 1000;

/** Statuses stored for replay: 2xx and the handler's own 4xx (§1.9); 400 and 413 are validation. */
export function isReplayable(status: number): boolean {
  return (status >= 200 && status < 300) || (status >= 400 && status < 500 && status !== 400 && status !== 413);
}

/**
 * Stores or releases the key once the response is final, from Fastify's onSend hook: it
 * sees the exact bytes and status of every answer, successes and errors alike.
 */
@Injectable()
export class IdempotencyLifecycle implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyLifecycle.name);
  private sweep: NodeJS.Timeout | null = null;

  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    // A callback hook, not an async one: most responses carry no idempotency key and
    // should not pay for an extra promise on the hot path.
    fastify.addHook(
      'onSend',
      (request: FastifyRequest & IdempotentRequest, reply: FastifyReply, payload: unknown, done: (err: null, value: unknown) => void) => {
        const pending = request.idempotency;
        if (!pending) return done(null, payload);
        request.idempotency = undefined;
        const status = reply.statusCode;
        const write = isReplayable(status)
          ? this.idempotency.complete(pending.apiKeyId, pending.key, status, bodyText(payload))
          : this.idempotency.release(pending.apiKeyId, pending.key);
        write
          .catch((err: unknown) => this.logger.error(aboutRequest(request.id, `Could not record an idempotent response: ${(err as Error).message}`)))
          .finally(() => done(null, payload));
      },
    );
  }

  onApplicationBootstrap(): void {
    this.sweep = setInterval(() => {
      this.idempotency.deleteExpired().catch((err: unknown) => this.logger.warn(`Idempotency sweep failed: ${(err as Error).message}`));
    }, SWEEP_EVERY_MS);
    this.sweep.unref();
  }

  onApplicationShutdown(): void {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = null;
  }
}

function bodyText(payload: unknown): string {
  if (payload == null) return '';
  if (typeof payload === 'string') return payload;
  if (Buffer.isBuffer(payload)) return payload.toString('utf8');
  return String(payload);
}

@Module({
  providers: [
    IdempotencyService,
    IdempotencyGuard,
    IdempotencyLifecycle,
    IdempotencyRoutes,
  ],
  exports: [IdempotencyService],
})
export class IdempotencyModule {}
