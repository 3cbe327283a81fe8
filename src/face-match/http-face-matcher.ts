import { Logger } from '@nestjs/common';
import { FACE_MATCHER_UNAVAILABLE, parseFaceMatchReply, type FaceMatchResult } from './face-match-reply.js';
import { FaceMatcher } from './face-matcher.js';

export interface HttpFaceMatcherOptions {
  url: string;
  secret: string | null;
  threshold: number | null;
  timeoutMs: number;
}

/**
 * An external face-match service (§6.8): multipart POST of the DG2 portrait and three
 * selfies. It fails closed: a network error, a timeout, a non-200 or a reply outside the
 * schema all count as a failed, fallback match.
 */
export class HttpFaceMatcher extends FaceMatcher {
  private readonly logger = new Logger('FaceMatcher');

  constructor(private readonly options: HttpFaceMatcherOptions) {
    super();
  }

  async match(portrait: Uint8Array, selfies: Uint8Array[]): Promise<FaceMatchResult> {
    const { url, secret, threshold, timeoutMs } = this.options;
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
        return FACE_MATCHER_UNAVAILABLE;
      }
      const parsed = parseFaceMatchReply(await response.json().catch(() => null));
      if (!parsed) this.logger.warn('Face matcher reply does not fit the schema; failing closed');
      return parsed ?? FACE_MATCHER_UNAVAILABLE;
    } catch (err) {
      this.logger.warn(`Face matcher unavailable (${(err as Error).name}); failing closed`);
      return FACE_MATCHER_UNAVAILABLE;
    }
  }
}
