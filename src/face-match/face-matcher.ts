import type { FaceMatchResult } from './face-match-reply.js';

/**
 * The face matcher port (§6.8, §6.8a): compares the chip portrait with three selfies.
 * Adapters never throw: every failure is a failed match (fail closed). The adapter is
 * chosen once, from FACE_MATCH_URL, in FaceMatchModule's providers.
 */
export abstract class FaceMatcher {
  abstract match(portrait: Uint8Array, selfies: Uint8Array[]): Promise<FaceMatchResult>;
}

export const FACE_MATCH_BUILTIN = 'builtin';
export const FACE_MATCH_NONE = 'none';
export const DEV_ACCEPT_ANY_FACE = 'dev:accept-any-face';
