import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import type { Scope } from './scopes.js';

export const AUTH_KIND = 'passline:auth-kind';
export type AuthKind = 'api-key' | 'public' | 'admin';
export const REQUIRED_SCOPES = 'passline:scopes';

/** Opens a route to everyone: no API key is asked for. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(AUTH_KIND, 'public' satisfies AuthKind);

/** Operator routes: `Authorization: Bearer <ADMIN_TOKEN>`; 404 while ADMIN_TOKEN is unset (§2.5). */
export const AdminOnly = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(AUTH_KIND, 'admin' satisfies AuthKind), ApiSecurity('adminToken'));

/** The API-key scopes a route needs; a key without one of them gets the exact 403 (§2.2). */
export const Scopes = (...scopes: Scope[]): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(REQUIRED_SCOPES, scopes), ApiBearerAuth('bearerAuth'));
