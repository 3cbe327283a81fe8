import { Logger, Module } from '@nestjs/common';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { AcceptAnyFaceMatcher } from './accept-any-face-matcher.js';
import { BuiltinFaceMatcher } from './builtin-face-matcher.js';
import { DisabledFaceMatcher } from './disabled-face-matcher.js';
import { DEFAULT_FACE_MATCH_THRESHOLD } from './engine/decision.js';
import { DEV_ACCEPT_ANY_FACE, FACE_MATCH_BUILTIN, FACE_MATCH_NONE, FaceMatcher } from './face-matcher.js';
import { HttpFaceMatcher } from './http-face-matcher.js';

/** Picks the face matcher adapter from FACE_MATCH_URL (§6.8, §6.8a), once. */
export function createFaceMatcher(config: AppConfig['faceMatch']): FaceMatcher {
  const logger = new Logger('FaceMatcher');
  switch (config.url) {
    case FACE_MATCH_BUILTIN: {
      const threshold = config.threshold ?? DEFAULT_FACE_MATCH_THRESHOLD;
      logger.log(`Face matching: built-in model, threshold ${threshold}, ${config.concurrency} worker thread(s), loaded on the first match.`);
      return new BuiltinFaceMatcher({ threshold, concurrency: config.concurrency, timeoutMs: config.timeoutMs });
    }
    case FACE_MATCH_NONE:
      logger.warn('FACE_MATCH_URL=none: every live face match fails closed (selfie_face_mismatch).');
      return new DisabledFaceMatcher();
    case DEV_ACCEPT_ANY_FACE:
      logger.warn('FACE_MATCH_URL=dev:accept-any-face: the development face matcher accepts ANY face. Never use it for real verifications.');
      return new AcceptAnyFaceMatcher();
    default:
      return new HttpFaceMatcher(config);
  }
}

@Module({
  providers: [{ provide: FaceMatcher, inject: [appConfig.KEY], useFactory: (config: AppConfig) => createFaceMatcher(config.faceMatch) }],
  exports: [FaceMatcher],
})
export class FaceMatchModule {}
