/** The reply of a face matcher (§6.8), whichever adapter produced it. */
export interface FaceMatchResult {
  faceScore: number | null;
  passed: boolean;
  usedFallback: boolean;
  reason?: string;
  livenessPassed?: boolean;
}

/** What every failure to get an answer counts as (§6.8 step 4: fail closed). */
export const FACE_MATCHER_UNAVAILABLE: FaceMatchResult = Object.freeze({
  faceScore: null,
  passed: false,
  usedFallback: true,
  reason: 'face_matcher_unavailable',
});

/** Validates a matcher reply against §6.8's schema; anything else is "unavailable". */
export function parseFaceMatchReply(body: unknown): FaceMatchResult | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const r = body as Record<string, unknown>;
  const scoreOk = r.faceScore === null || (typeof r.faceScore === 'number' && r.faceScore >= 0 && r.faceScore <= 1);
  if (!scoreOk || typeof r.passed !== 'boolean' || typeof r.usedFallback !== 'boolean') return null;
  if (r.reason !== undefined && typeof r.reason !== 'string') return null;
  if (r.livenessPassed !== undefined && typeof r.livenessPassed !== 'boolean') return null;
  return {
    faceScore: r.faceScore as number | null,
    passed: r.passed,
    usedFallback: r.usedFallback,
    ...(r.reason !== undefined ? { reason: r.reason as string } : {}),
    ...(r.livenessPassed !== undefined ? { livenessPassed: r.livenessPassed as boolean } : {}),
  };
}
