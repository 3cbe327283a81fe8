import type { FaceMatchResult } from '../face-match-reply.js';

/**
 * Default FACE_MATCH_THRESHOLD of the built-in matcher, on the median cosine similarity of
 * the portrait with the three selfies. Calibrated with `npm run bench:face` (README).
 */
export const DEFAULT_FACE_MATCH_THRESHOLD = 0.65;

/** Three selfies whose embeddings are all this close are one picture sent three times. */
export const IDENTICAL_SELFIE_SIMILARITY = 0.995;

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) throw new RangeError('embeddings must have the same, non-zero length');
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export function median(values: number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing');
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Cosine similarity (-1..1) mapped to §6.8's 0..1 score: opposite or unrelated faces are 0. */
export function similarityToScore(similarity: number): number {
  return Math.min(1, Math.max(0, similarity));
}

/** True when every pair of selfies is byte-identical. */
export function selfiesAreSameBytes(selfies: Uint8Array[]): boolean {
  return selfies.length > 1 && selfies.every((s) => Buffer.from(s).equals(Buffer.from(selfies[0])));
}

/** True when every pair of selfie embeddings is above IDENTICAL_SELFIE_SIMILARITY. */
export function selfiesAreSamePicture(embeddings: ArrayLike<number>[]): boolean {
  if (embeddings.length < 2) return false;
  for (let i = 0; i < embeddings.length; i++) {
    for (let j = i + 1; j < embeddings.length; j++) {
      if (cosineSimilarity(embeddings[i], embeddings[j]) <= IDENTICAL_SELFIE_SIMILARITY) return false;
    }
  }
  return true;
}

export const IDENTICAL_SELFIES: FaceMatchResult = Object.freeze({
  faceScore: null,
  passed: false,
  usedFallback: false,
  reason: 'identical_selfies',
  livenessPassed: false,
});

/**
 * §6.8a's decision: the median of the portrait-selfie similarities against the threshold;
 * three selfies that are one picture fail liveness whatever the score.
 */
export function decideFaceMatch(portrait: ArrayLike<number>, selfies: ArrayLike<number>[], threshold: number): FaceMatchResult {
  const faceScore = similarityToScore(median(selfies.map((selfie) => cosineSimilarity(portrait, selfie))));
  if (selfiesAreSamePicture(selfies)) return { ...IDENTICAL_SELFIES, faceScore };
  const passed = faceScore >= threshold;
  return { faceScore, passed, usedFallback: false, ...(passed ? {} : { reason: 'below_threshold' }), livenessPassed: true };
}
