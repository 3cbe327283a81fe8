import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { safeEqual } from '../common/crypto.js';
import { ForbiddenError, RATE_LIMITED, ROUTE_NOT_FOUND, UnauthorizedError } from '../common/errors/api-error.js';
import { applyRateLimitHeaders } from '../rate-limit/rate-limit.headers.js';
import { RateLimitService, type Bucket } from '../rate-limit/rate-limit.service.js';
import { AUTH_KIND, REQUIRED_SCOPES, type AuthKind } from './auth.decorators.js';
import { BearerStrategy } from './bearer.strategy.js';
import type { Principal } from './principal.js';
import type { Scope } from './scopes.js';

const BEARER = /^Bearer (.+)$/i;

/**
 * The one global guard: API keys through passport-http-bearer by default, `@Public()`
 * routes open, `@AdminOnly()` routes behind ADMIN_TOKEN; then the `@Scopes()` check.
 */
@Injectable()
export class ApiAuthGuard extends PassportAuthGuard() {
  constructor(
    private readonly reflector: Reflector,
    private readonly rateLimits: RateLimitService,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    private readonly strategy: BearerStrategy,
  ) {
    // This app's own strategy, by the unique name it registered under in passport.
    super({ defaultStrategy: strategy.name });
  }

  /**
   * Each route's decorators, read once per controller class and handler (a handler inherited
   * by two controllers may sit under different class decorators): metadata is fixed after boot.
   */
  private readonly routeRules = new WeakMap<object, WeakMap<object, { kind: AuthKind; required: Scope[] }>>();

  private rulesOf(context: ExecutionContext): { kind: AuthKind; required: Scope[] } {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byHandler = this.routeRules.get(controller);
    if (!byHandler) this.routeRules.set(controller, (byHandler = new WeakMap()));
    let rules = byHandler.get(handler);
    if (!rules) {
      const targets = [handler, controller];
      rules = {
        kind: this.reflector.getAllAndOverride<AuthKind | undefined>(AUTH_KIND, targets) ?? 'api-key',
        required: this.reflector.getAllAndOverride<Scope[] | undefined>(REQUIRED_SCOPES, targets) ?? [],
      };
      byHandler.set(handler, rules);
    }
    return rules;
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const { kind, required } = this.rulesOf(context);
    if (kind === 'public') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    if (kind === 'admin') return this.checkAdmin(request);

    // Keys come from the Authorization header only (see BearerStrategy.authenticate). A key
    // resolved moments ago is taken as passport would take it; anything else asks passport.
    const known = this.strategy.knownPrincipal(request.headers.authorization);
    if (known) request.user = known;
    else await super.canActivate(context);

    const principal = request.user;
    if (!principal) throw new UnauthorizedError();

    // Order of checks (§1.3): authentication, then the rate limit, then the scope.
    const state = await this.rateLimits.consume(principal.apiKeyId, bucketOf(request));
    if (state) {
      applyRateLimitHeaders(context.switchToHttp().getResponse<FastifyReply>(), state);
      if (!state.allowed) throw RATE_LIMITED();
    }
    if (!required.every((scope) => principal.scopes.includes(scope))) throw new ForbiddenError();
    return true;
  }

  override handleRequest<TUser = Principal>(err: unknown, user: TUser | false): TUser {
    if (err || !user) throw new UnauthorizedError();
    return user;
  }

  private checkAdmin(request: FastifyRequest): boolean {
    const adminToken = this.config.adminToken;
    if (!adminToken) throw ROUTE_NOT_FOUND();
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!match || !safeEqual(match[1], adminToken)) throw new UnauthorizedError();
    return true;
  }
}

/** Which §1.10 bucket an authenticated request counts against. */
function bucketOf(request: FastifyRequest): Bucket {
  if (request.method === 'GET' || request.method === 'HEAD') return 'read';
  if (request.method === 'POST' && request.routeOptions?.url === '/v1/sessions') return 'sessions_create';
  return 'write';
}
