import { Module } from '@nestjs/common';
import { AttemptsModule } from '../../sessions/attempts/attempts.module.js';
import { FaceMatchModule } from '../../face-match/face-match.module.js';
import { ChipVerifier } from './chip-check.js';
import { ChipVerifierService } from './chip-verifier.service.js';
import { capnpCodec } from './codec/capnp.codec.js';
import { FrameCodecs } from './codec/frame-codec.js';
import { jsonCodec } from './codec/json.codec.js';
import { MobileFlowService } from './mobile-flow.service.js';
import { MobileGateway } from './mobile.gateway.js';

/** The mobile WebSocket protocol (§6.5-6.12): JSON text frames, or Kayle's Cap'n Proto binary frames. */
@Module({
  imports: [AttemptsModule, FaceMatchModule],
  providers: [
    MobileGateway,
    MobileFlowService,
    { provide: ChipVerifier, useClass: ChipVerifierService },
    { provide: FrameCodecs, useValue: { text: jsonCodec, binary: capnpCodec } satisfies FrameCodecs },
  ],
})
export class MobileModule {}
