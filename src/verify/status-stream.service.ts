import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VerifyStatusResponse } from './dto/verify-status.response.js';
import { VerifyService } from './verify.service.js';

/** How often an open stream looks for a change: well inside the page's 1 s promise. */
const CHECK_INTERVAL_MS = 250;
/** A comment line now and then keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;
/** Streams end after this long; EventSource reconnects by itself (and re-counts the rate limit). */
const MAX_STREAM_MS = 10 * 60_000;

/** Whether the client asked the status route for Server-Sent Events instead of one JSON answer. */
export function wantsEventStream(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === 'string' && accept.includes('text/event-stream');
}

/**
 * Server-Sent Events on the public status route: the hosted page learns of a change (phone
 * connected, a phase, a failed attempt, the outcome) within a fraction of a second instead
 * of at its next poll. Each event is the same envelope the JSON route answers; the stream
 * ends after a terminal status. Changes are found by re-reading the status, so a change made
 * by another instance (or the CLI) is seen as soon as one made here.
 */
@Injectable()
export class StatusStreamService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(StatusStreamService.name);
  private readonly open = new Set<() => void>();

  constructor(private readonly verify: VerifyService) {}

  /** Takes the reply over and streams `first`, then every change, until the client leaves. */
  stream(sessionId: string, first: VerifyStatusResponse, request: FastifyRequest, reply: FastifyReply): void {
    void reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    raw.write('retry: 2000\n\n');

    let last = '';
    let stopped = false;
    let checking = false;
    const send = (status: VerifyStatusResponse): void => {
      const data = JSON.stringify({ data: status, error: null });
      if (data === last) return;
      last = data;
      raw.write(`event: status\ndata: ${data}\n\n`);
      if (status.is_terminal) stop();
    };
    const check = async (): Promise<void> => {
      if (checking || stopped) return;
      checking = true;
      try {
        send(await this.verify.status(sessionId));
      } catch (error) {
        // A passing database problem: the next check tries again, the page keeps what it shows.
        this.logger.warn(`Status stream check failed: ${(error as Error).message}`);
      } finally {
        checking = false;
      }
    };
    const timer = setInterval(() => void check(), CHECK_INTERVAL_MS);
    const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const deadline = setTimeout(() => stop(), MAX_STREAM_MS);
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      clearInterval(heartbeat);
      clearTimeout(deadline);
      this.open.delete(stop);
      raw.end();
    };
    this.open.add(stop);
    request.raw.once('close', stop);
    send(first);
  }

  /** Open streams would hold the graceful shutdown for its whole grace period. */
  beforeApplicationShutdown(): void {
    for (const stop of [...this.open]) stop();
  }
}
