import type { CheckFailureCode } from '../sessions/attempts/failure-codes.js';

/**
 * The `reason_message` of a rejected verdict for each check failure (§6.9). The hosted page
 * shows the same text after a failed attempt, so both read it from here.
 */
export const VERDICT_REASON_MESSAGES: Readonly<Record<CheckFailureCode, string>> = Object.freeze({
  document_authenticity_failed: 'Passport chip integrity checks did not pass. Please retry with a new verification attempt.',
  document_data_invalid: 'Passport data could not be read correctly. Please retry with a new verification attempt.',
  selfie_face_mismatch: 'Selfie evidence did not match the passport photo. Please retry with a new verification attempt.',
  liveness_failed: 'The selfie could not be confirmed as live. Please retry with a new verification attempt.',
});
