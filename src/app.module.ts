import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AdminModule } from './admin/admin.module.js';
import { AttemptsModule } from './sessions/attempts/attempts.module.js';
import { AuthModule } from './auth/auth.module.js';
import { CommonModule } from './common/common.module.js';
import { appConfig } from './config/app.config.js';
import { DatabaseModule } from './database/database.module.js';
import { EventsModule } from './events/events.module.js';
import { HealthModule } from './health/health.module.js';
import { IdempotencyModule } from './idempotency/idempotency.module.js';
import { OrganizationsModule } from './organizations/organizations.module.js';
import { RateLimitModule } from './rate-limit/rate-limit.module.js';
import { SessionsModule } from './sessions/sessions.module.js';
import { TestHelpersModule } from './test-helpers/test-helpers.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';
import { WebhooksApiModule } from './webhooks/webhooks-api.module.js';
import { EventsApiModule } from './events/events-api.module.js';
import { MobileModule } from './verify/mobile/mobile.module.js';
import { VerifyModule } from './verify/verify.module.js';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [appConfig] }),
    CommonModule,
    DatabaseModule,
    EventsModule,
    WebhooksModule,
    RateLimitModule,
    AuthModule,
    IdempotencyModule,
    OrganizationsModule,
    AdminModule,
    HealthModule,
    AttemptsModule,
    SessionsModule,
    TestHelpersModule,
    VerifyModule,
    MobileModule,
    WebhooksApiModule,
    EventsApiModule,
  ],
})
export class AppModule {}
