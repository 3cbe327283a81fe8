import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { ApiKeysService } from './api-keys.service.js';
import { ApiAuthGuard } from './auth.guard.js';
import { BearerStrategy } from './bearer.strategy.js';

@Global()
@Module({
  imports: [PassportModule, OrganizationsModule],
  providers: [ApiKeysService, BearerStrategy, ApiAuthGuard, { provide: APP_GUARD, useExisting: ApiAuthGuard }],
  exports: [ApiKeysService, OrganizationsModule],
})
export class AuthModule {}
