import { ApiProperty } from '@nestjs/swagger';
import { ATTEMPT_STATUSES, type AttemptStatus } from '../../sessions/attempts/entities/attempt.entity.js';
import { SESSION_STATUSES, type SessionStatus } from '../../sessions/entities/session.entity.js';

/** The newest attempt of a session, as the hosted page sees it (§6.4). */
export class VerifyLatestAttempt {
  /**
   * Attempt id.
   * @example "va_c41x9k2m5n8p1q4r7s0t3u6v9w2x5y8z1a4b7c0d3e6f9g2h5i8j1k4l7m0n3o6p9q2r"
   */
  id: string;

  /** Attempt status (§4.1). */
  @ApiProperty({ enum: ATTEMPT_STATUSES, example: 'failed' })
  status: AttemptStatus;

  /**
   * Why it failed (§4.3); null unless `failed`.
   * @example "selfie_face_mismatch"
   */
  failure_code: string | null;

  /**
   * When the attempt left `in_progress`.
   * @example "2026-11-26T10:04:10.512Z"
   */
  completed_at: string | null;

  /**
   * The attempt's current device phase (§6.7), or null before the phone connected (extension).
   * @example "selfie_complete"
   */
  phase: string | null;
}

/** One requested claim, in key order, with its display label (extension). */
export class VerifyRequestedField {
  /**
   * Claim key (§3.6.1).
   * @example "age_over_18"
   */
  key: string;

  /**
   * Display label from the claim catalogue.
   * @example "Age Over 18"
   */
  label: string;

  /**
   * Why the business asks for it.
   * @example "Confirm you are an adult."
   */
  reason: string;

  /**
   * Whether the user must share it.
   * @example true
   */
  required: boolean;
}

/** Public status of a session for the hosted page (§6.4). */
export class VerifyStatusResponse {
  /**
   * The session.
   * @example "vs_8f2k1m4n7p0q3r6s9t2u5v8w1x4y7z0a3b6c9d2e5f8g1h4i7j0k3l6m9n2o5p8q1r4s"
   */
  session_id: string;

  /** Session status (§3.8), after lazy expiry. */
  @ApiProperty({ enum: SESSION_STATUSES, example: 'created' })
  status: SessionStatus;

  /**
   * True for `succeeded`, `failed`, `expired` and `cancelled`.
   * @example false
   */
  is_terminal: boolean;

  /**
   * When the session became final.
   * @example null
   */
  completed_at: string | null;

  /**
   * Where the page sends the user at the end.
   * @example "https://shop.example/return"
   */
  redirect_url: string | null;

  /** The newest attempt, or null when there is none. */
  @ApiProperty({ type: VerifyLatestAttempt, nullable: true })
  latest_attempt: VerifyLatestAttempt | null;

  /**
   * The session's failure code (§3.1) (extension).
   * @example null
   */
  failure_code: string | null;

  /**
   * When the session expires (extension).
   * @example "2026-11-26T11:00:00.000Z"
   */
  expires_at: string;

  /**
   * False for test sessions, which the page shows with a banner and no handoff (extension).
   * @example true
   */
  livemode: boolean;

  /**
   * The business that asks for the verification (extension).
   * @example "Acme"
   */
  organization_name: string;

  /**
   * 3 minus the failed attempts that count toward the budget (§4.4) (extension).
   * @example 2
   */
  attempts_remaining: number;

  /** The normalized share_fields in key order, with labels (extension). */
  @ApiProperty({ type: [VerifyRequestedField] })
  requested_fields: VerifyRequestedField[];
}
