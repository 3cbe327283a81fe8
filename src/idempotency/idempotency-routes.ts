import { Injectable, RequestMethod } from '@nestjs/common';
import { GUARDS_METADATA, METHOD_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { IdempotencyGuard } from './idempotency.guard.js';

/**
 * Binds the idempotency guard to every POST handler, the only routes `Idempotency-Key`
 * applies to (§1.9), as the handler's last guard: after the global ones (authentication,
 * rate limit, scope) and the handler's own (path id), before the pipes: step 6 of the order
 * of checks (§1.3). It was a global interceptor, which put Nest's interceptor chain (an rxjs
 * pipeline and an async-scope binding per request) on every route, GETs included.
 *
 * It runs while providers are instantiated, before the app builds its routes from the
 * metadata. The metadata lives on the controller classes, shared by every app in the process
 * (tests boot several): this app's guard replaces an earlier app's, never stacks on it.
 */
@Injectable()
export class IdempotencyRoutes {
  constructor(modules: ModulesContainer, guard: IdempotencyGuard) {
    for (const moduleRef of modules.values()) {
      for (const wrapper of moduleRef.controllers.values()) {
        const prototype = (wrapper.metatype as { prototype?: object } | null)?.prototype;
        if (prototype) bindToPostHandlers(prototype, guard);
      }
    }
  }
}

function bindToPostHandlers(prototype: object, guard: IdempotencyGuard): void {
  for (const name of Object.getOwnPropertyNames(prototype)) {
    const handler = Object.getOwnPropertyDescriptor(prototype, name)?.value as unknown;
    if (typeof handler !== 'function' || name === 'constructor') continue;
    if (Reflect.getMetadata(METHOD_METADATA, handler) !== RequestMethod.POST) continue;
    const existing = (Reflect.getMetadata(GUARDS_METADATA, handler) as unknown[] | undefined) ?? [];
    const others = existing.filter((g) => !(g instanceof IdempotencyGuard));
    Reflect.defineMetadata(GUARDS_METADATA, [...others, guard], handler);
  }
}
