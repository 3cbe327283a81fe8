import { Module } from '@nestjs/common';
import { AttemptsModule } from './attempts/attempts.module.js';
import { ExpirySweeper } from './expiry-sweeper.service.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsService } from './sessions.service.js';

@Module({
  imports: [AttemptsModule],
  controllers: [SessionsController],
  providers: [SessionsService, ExpirySweeper],
  exports: [SessionsService],
})
export class SessionsModule {}
