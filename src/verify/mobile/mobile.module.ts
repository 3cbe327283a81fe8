import { Module } from '@nestjs/common';
import { AttemptsModule } from '../../attempts/attempts.module.js';
import { FaceMatchModule } from '../../face-match/face-match.module.js';
import { ChipVerifier } from './chip-check.js';
import { ChipVerifierService } from './chip-verifier.service.js';
import { MobileFlowService } from './mobile-flow.service.js';
import { MobileGateway } from './mobile.gateway.js';

/** The mobile WebSocket protocol (§6.5-6.12). */
@Module({
  imports: [AttemptsModule, FaceMatchModule],
  providers: [MobileGateway, MobileFlowService, { provide: ChipVerifier, useClass: ChipVerifierService }],
})
export class MobileModule {}
