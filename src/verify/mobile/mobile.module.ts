import { Module } from '@nestjs/common';
import { AttemptsModule } from '../../sessions/attempts/attempts.module.js';
import { FaceMatchModule } from '../../face-match/face-match.module.js';
import { ChipVerifier } from './chip-check.js';
import { ChipVerifierService } from './chip-verifier.service.js';
import { FrameCodecs, type FrameCodec } from './codec/frame-codec.js';
import { jsonCodec } from './codec/json.codec.js';
import { MobileFlowService } from './mobile-flow.service.js';
import { MobileGateway } from './mobile.gateway.js';

let capnpCodec: Promise<FrameCodec> | null = null;

/** A failed load is not kept: the next binary connection tries again. */
function loadCapnpCodec(): Promise<FrameCodec> {
  return import('./codec/capnp.codec.js').then(
    (m) => m.capnpCodec,
    (error: unknown) => {
      capnpCodec = null;
      throw error;
    },
  );
}

/**
 * JSON for text frames; Cap'n Proto for binary ones, loaded when the first binary connection
 * speaks: an instance no phone app reaches (API only, or the hosted page's JSON client) never
 * holds the Cap'n Proto runtime and schema in memory.
 */
const frameCodecs: FrameCodecs = {
  text: jsonCodec,
  codecFor: (binary) => (binary ? (capnpCodec ??= loadCapnpCodec()) : jsonCodec),
};

/** The mobile WebSocket protocol (§6.5-6.12): JSON text frames, or Kayle's Cap'n Proto binary frames. */
@Module({
  imports: [AttemptsModule, FaceMatchModule],
  providers: [
    MobileGateway,
    MobileFlowService,
    { provide: ChipVerifier, useClass: ChipVerifierService },
    { provide: FrameCodecs, useValue: frameCodecs },
  ],
})
export class MobileModule {}
