import { Module } from '@nestjs/common';
import { AttemptsModule } from '../sessions/attempts/attempts.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { TestHelpersController } from './test-helpers.controller.js';
import { TestHelpersService } from './test-helpers.service.js';

@Module({
  imports: [AttemptsModule, SessionsModule],
  controllers: [TestHelpersController],
  providers: [TestHelpersService],
})
export class TestHelpersModule {}
