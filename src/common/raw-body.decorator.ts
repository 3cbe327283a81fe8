import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/**
 * The request body exactly as parsed, problems included, for handlers whose contract
 * checks the body only after other steps (e.g. the public cancel, §6.4).
 */
export const RawBody = createParamDecorator((_data: unknown, ctx: ExecutionContext): unknown => {
  return ctx.switchToHttp().getRequest<{ body?: unknown }>().body;
});
