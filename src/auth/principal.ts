import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Scope } from './scopes.js';

/** Who is calling: resolved from the API key by the global guard. */
export interface Principal {
  apiKeyId: string;
  organizationId: string;
  /** true for kk_live_ keys; every query is scoped to this environment (§1.8). */
  livemode: boolean;
  scopes: Scope[];
}

/** Injects the authenticated caller into a handler. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const request = ctx.switchToHttp().getRequest<{ user?: Principal }>();
  if (!request.user) throw new Error('CurrentPrincipal used on a route without API-key authentication');
  return request.user;
});
