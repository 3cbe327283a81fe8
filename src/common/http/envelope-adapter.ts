import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Page } from '../envelope.js';

/** The success envelope of §1.2 around a handler's result; 204 handlers (undefined) send nothing. */
export function successEnvelope(result: unknown): unknown {
  if (result === undefined) return undefined;
  if (result instanceof Page) return { data: result.items, error: null, pagination: result.pagination };
  return { data: result, error: null };
}

/**
 * Nest hands every handler result (and nothing else: errors go through the filter, `@Res()`
 * handlers answer themselves) to the adapter's `reply()`. Wrapping it here rather than in a
 * global interceptor keeps routes free of Nest's interceptor chain (an rxjs pipeline and an
 * async-scope binding per interceptor per request; rxjs alone was 9% of /health's CPU).
 */
export class EnvelopeFastifyAdapter extends FastifyAdapter {
  override reply(response: Parameters<FastifyAdapter['reply']>[0], body: unknown, statusCode?: number): ReturnType<FastifyAdapter['reply']> {
    return super.reply(response, successEnvelope(body), statusCode);
  }
}
