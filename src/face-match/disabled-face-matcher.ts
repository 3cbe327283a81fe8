import { FaceMatcher } from './face-matcher.js';
import { FACE_MATCHER_UNAVAILABLE, type FaceMatchResult } from './face-match-reply.js';

/** `FACE_MATCH_URL=none`: the operator wants no matcher, so every live check fails closed. */
export class DisabledFaceMatcher extends FaceMatcher {
  match(): Promise<FaceMatchResult> {
    return Promise.resolve(FACE_MATCHER_UNAVAILABLE);
  }
}
