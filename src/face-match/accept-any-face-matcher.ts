import { FaceMatcher } from './face-matcher.js';
import type { FaceMatchResult } from './face-match-reply.js';

/** `dev:accept-any-face`: every face passes. For demos without a camera; never for real checks. */
export class AcceptAnyFaceMatcher extends FaceMatcher {
  match(): Promise<FaceMatchResult> {
    return Promise.resolve({ faceScore: 1, passed: true, usedFallback: false, livenessPassed: true });
  }
}
