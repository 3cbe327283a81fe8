import { Injectable, RequestMethod } from '@nestjs/common';
import { INTERCEPTORS_METADATA, METHOD_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';

/**
 * Binds the idempotency interceptor to every POST handler, the only routes `Idempotency-Key`
 * applies to (§1.9), instead of globally: a global interceptor puts Nest's interceptor chain
 * (an rxjs pipeline and an async-scope binding per request) on every GET too, for nothing.
 * As a handler-level interceptor it still runs after every guard (authentication, rate limit,
 * scope, path id) and before the pipes: step 6 of the order of checks (§1.3).
 *
 * It runs while providers are instantiated, before the app builds its routes from the
 * metadata. The metadata lives on the controller classes, shared by every app in the process
 * (tests boot several): this app's interceptor replaces an earlier app's, never stacks on it.
 */
@Injectable()
export class IdempotencyRoutes {
  constructor(modules: ModulesContainer, interceptor: IdempotencyInterceptor) {
    for (const moduleRef of modules.values()) {
      for (const wrapper of moduleRef.controllers.values()) {
        const prototype = (wrapper.metatype as { prototype?: object } | null)?.prototype;
        if (prototype) bindToPostHandlers(prototype, interceptor);
      }
    }
  }
}

function bindToPostHandlers(prototype: object, interceptor: IdempotencyInterceptor): void {
  for (const name of Object.getOwnPropertyNames(prototype)) {
    const handler = Object.getOwnPropertyDescriptor(prototype, name)?.value as unknown;
    if (typeof handler !== 'function' || name === 'constructor') continue;
    if (Reflect.getMetadata(METHOD_METADATA, handler) !== RequestMethod.POST) continue;
    const existing = (Reflect.getMetadata(INTERCEPTORS_METADATA, handler) as unknown[] | undefined) ?? [];
    const others = existing.filter((i) => !(i instanceof IdempotencyInterceptor));
    Reflect.defineMetadata(INTERCEPTORS_METADATA, [...others, interceptor], handler);
  }
}
