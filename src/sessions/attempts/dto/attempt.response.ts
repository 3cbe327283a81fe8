import { ApiProperty } from '@nestjs/swagger';
import { ATTEMPT_STATUSES, type Attempt, type AttemptStatus } from '../entities/attempt.entity.js';

/** One run of the verification flow inside a session (§4.1). */
export class AttemptResponse {
  /**
   * Attempt id: `va_` + 64 characters.
   * @example "va_c41x9k2m5n8p1q4r7s0t3u6v9w2x5y8z1a4b7c0d3e6f9g2h5i8j1k4l7m0n3o6p9q2r"
   */
  id: string;

  /**
   * The session it belongs to.
   * @example "vs_8f2k1m4n7p0q3r6s9t2u5v8w1x4y7z0a3b6c9d2e5f8g1h4i7j0k3l6m9n2o5p8q1r4s"
   */
  session_id: string;

  /**
   * `false` for test-mode attempts.
   * @example true
   */
  livemode: boolean;

  /** Attempt status. */
  @ApiProperty({ enum: ATTEMPT_STATUSES, example: 'failed' })
  status: AttemptStatus;

  /**
   * Why it failed (§4.3); null unless `failed`.
   * @example "selfie_face_mismatch"
   */
  failure_code: string | null;

  /**
   * 0 to 1; higher is riskier.
   * @example 0.71
   */
  risk_score: number;

  /**
   * When the attempt left `in_progress`.
   * @example "2026-11-26T10:04:10.512Z"
   */
  completed_at: string | null;

  /**
   * When the attempt was created.
   * @example "2026-11-26T10:01:02.000Z"
   */
  created_at: string;

  /**
   * Changes on every mutation.
   * @example "2026-11-26T10:04:10.512Z"
   */
  updated_at: string;

  static from(attempt: Attempt): AttemptResponse {
    return {
      id: attempt.id,
      session_id: attempt.sessionId,
      livemode: attempt.livemode,
      status: attempt.status,
      failure_code: attempt.failureCode,
      risk_score: attempt.riskScore,
      completed_at: attempt.completedAt ? attempt.completedAt.toISOString() : null,
      created_at: attempt.createdAt.toISOString(),
      updated_at: attempt.updatedAt.toISOString(),
    };
  }
}
