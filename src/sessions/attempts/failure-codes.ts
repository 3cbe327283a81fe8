/** Failure codes of §4.3. The first four come from checks and count toward the budget. */
export const CHECK_FAILURE_CODES = [
  'document_authenticity_failed',
  'document_data_invalid',
  'selfie_face_mismatch',
  'liveness_failed',
] as const;
export type CheckFailureCode = (typeof CHECK_FAILURE_CODES)[number];

export const SESSION_CANCELLED = 'session_cancelled';
export const SESSION_EXPIRED = 'session_expired';

/** MAX_FAILED_ATTEMPTS of §3.8. */
export const MAX_FAILED_ATTEMPTS = 3;
