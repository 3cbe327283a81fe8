import { Module } from '@nestjs/common';
import { AttemptsModule } from '../sessions/attempts/attempts.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { HostedPageController } from './hosted-page.controller.js';
import { HostedPageService } from './hosted-page.service.js';
import { VerifyController } from './verify.controller.js';
import { StatusStreamService } from './status-stream.service.js';
import { VerifyService } from './verify.service.js';

/** The verify flow (§6, §8): public status, handoff and cancel, and the hosted page. */
@Module({
  imports: [SessionsModule, AttemptsModule],
  controllers: [VerifyController, HostedPageController],
  providers: [VerifyService, HostedPageService, StatusStreamService],
})
export class VerifyModule {}
