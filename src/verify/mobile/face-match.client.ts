import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { appConfig, type AppConfig } from '../../config/app.config.js';

export interface FaceMatchResult {
  faceScore: number | null;
  passed: boolean;
  usedFallback: boolean;
  reason?: string;
  livenessPassed?: boolean;
}

export const DEV_ACCEPT_ANY_FACE = 'dev:accept-any-face';

const UNAVAILABLE: FaceMatchResult = { faceScore: null, passed: false, usedFallback: true, reason: 'face_matcher_unavailable' };

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

/**
 * The face-match service client (§6.8): multipart POST of the DG2 portrait and three
 * selfies to FACE_MATCH_URL. It fails closed: no URL, a network error, a timeout, a
 * non-200 or a reply outside the schema all count as a failed, fallback match.
 */
@Injectable()
export class FaceMatchClient implements OnModuleInit {
  private readonly logger = new Logger(FaceMatchClient.name);

  constructor(@Inject(appConfig.KEY) private readonly config: AppConfig) {}

  onModuleInit(): void {
    const url = this.config.faceMatch.url;
    if (url === DEV_ACCEPT_ANY_FACE) {
      this.logger.warn(
        'FACE_MATCH_URL=dev:accept-any-face: the development face matcher accepts ANY face. Never use it for real verifications.',
      );
    } else if (!url) {
      this.logger.warn('FACE_MATCH_URL is not set: every live face match fails closed (selfie_face_mismatch).');
    }
  }

  async match(portrait: Uint8Array, selfies: Uint8Array[]): Promise<FaceMatchResult> {
    const { url, secret, threshold, timeoutMs } = this.config.faceMatch;
    if (url === DEV_ACCEPT_ANY_FACE) return { faceScore: 1, passed: true, usedFallback: false, livenessPassed: true };
    if (!url) return UNAVAILABLE;
    const form = new FormData();
    form.append('dg2', new Blob([Uint8Array.from(portrait)]), 'dg2');
    selfies.forEach((selfie, i) => form.append(`selfie_${i}`, new Blob([Uint8Array.from(selfie)]), `selfie_${i}`));
    if (threshold !== null) form.append('threshold', String(threshold));
    try {
      const response = await fetch(url, {
        method: 'POST',
        body: form,
        headers: secret ? { 'x-kayle-face-matcher-auth': secret } : {},
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'manual',
      });
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => undefined);
        this.logger.warn(`Face matcher answered ${response.status}; failing closed`);
        return UNAVAILABLE;
      }
      const parsed = parseFaceMatchReply(await response.json().catch(() => null));
      if (!parsed) this.logger.warn('Face matcher reply does not fit the schema; failing closed');
      return parsed ?? UNAVAILABLE;
    } catch (err) {
      this.logger.warn(`Face matcher unavailable (${(err as Error).name}); failing closed`);
      return UNAVAILABLE;
    }
  }
}
