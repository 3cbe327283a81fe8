import { Module } from '@nestjs/common';
import { AttemptsController } from './attempts.controller.js';
import { AttemptsService } from './attempts.service.js';
import { SessionLifecycleService } from './session-lifecycle.service.js';

@Module({
  controllers: [AttemptsController],
  providers: [AttemptsService, SessionLifecycleService],
  exports: [SessionLifecycleService],
})
export class AttemptsModule {}
