import { randomUUID } from 'node:crypto';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import passport from 'passport';
import { Strategy, type VerifyFunction } from 'passport-http-bearer';
import { ApiKeysService } from './api-keys.service.js';
import type { Principal } from './principal.js';

/**
 * `Authorization: Bearer kk_…` → the key's organization, environment and scopes.
 *
 * Passport keeps one process-wide strategy registry. Under a fixed name, a second app in the
 * same process (tests, an embedding host) would replace this app's strategy, and once closed
 * leave it authenticating against a closed database. So each app registers its own strategy
 * under a unique name, which its guard (ApiAuthGuard) authenticates with.
 */
@Injectable()
export class BearerStrategy extends Strategy<VerifyFunction> implements OnApplicationShutdown {
  override readonly name = `bearer:${randomUUID()}`;

  constructor(private readonly apiKeys: ApiKeysService) {
    super((token, done) => {
      apiKeys.authenticate(token).then((principal) => done(null, principal ?? false), done);
    });
    passport.use(this.name, this);
  }

  /**
   * Keys come from the Authorization header only (§2.1): passport-http-bearer also reads
   * `access_token` from the query and the body, where it is just an unknown parameter
   * (ignored) or an unknown property (400), so it only ever sees the header.
   */
  override authenticate(req: Pick<FastifyRequest, 'headers'>, options?: object): void {
    const headerOnly = { headers: { authorization: req.headers.authorization } };
    super.authenticate(headerOnly as Parameters<Strategy<VerifyFunction>['authenticate']>[0], options);
  }

  /**
   * What authenticate() would conclude for this Authorization header when it is already
   * known (a key resolved in the last few seconds), so the guard can skip passport's
   * per-request machinery; undefined sends the request the long way. The header is read
   * exactly as passport-http-bearer reads it: two parts split on one space, the first
   * `Bearer` in any case.
   */
  knownPrincipal(authorization: string | undefined): Principal | undefined {
    if (!authorization) return undefined;
    const parts = authorization.split(' ');
    if (parts.length !== 2 || !/^Bearer$/i.test(parts[0]) || !parts[1]) return undefined;
    return this.apiKeys.cachedPrincipal(parts[1]);
  }

  /** After the HTTP server has closed: requests still draining (see configureApp) need it. */
  onApplicationShutdown(): void {
    passport.unuse(this.name);
  }
}
