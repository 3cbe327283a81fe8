/** Error frame messages of §6.12 (the session-level ones repeat §6.2). */
export const WS_ERROR_MESSAGES = {
  INVALID_SESSION_ID: 'This verification link is not valid. Please restart the verification from the original source.',
  SESSION_NOT_FOUND: 'This verification session is no longer available. Please restart the verification process.',
  SESSION_EXPIRED: 'This verification session has expired for security reasons. Please restart the verification process.',
  TEST_MODE_SESSION: 'This is a test verification. Its outcome is simulated and it cannot be completed on a device.',
  HELLO_REQUIRED: 'Send hello before other messages.',
  HELLO_AUTH_REQUIRED:
    'This verification connection is missing required credentials. Please restart from the latest verification link.',
  ATTEMPT_NOT_FOUND: 'This verification attempt is no longer available. Please restart the verification process.',
  HANDOFF_TOKEN_INVALID: 'This handoff credential is not valid. Please restart the verification flow from your browser.',
  HANDOFF_TOKEN_EXPIRED: 'This handoff credential has expired. Please generate a new QR handoff from your browser.',
  HANDOFF_TOKEN_CONSUMED:
    'This handoff credential was already used. Please continue on your original device or restart the flow.',
  HANDOFF_DEVICE_MISMATCH: 'This verification attempt is bound to a different device. Continue on that device or start over.',
  ATTEMPT_CONNECTION_ACTIVE:
    'This verification attempt is already active on another connection. Continue there or retry after it closes.',
  PHASE_OUT_OF_ORDER: 'This verification step was sent out of order. Continue from the current step.',
  NFC_DATA_PHASE_REQUIRED: 'NFC data can only be uploaded during the NFC reading step. Continue from the current step.',
  SELFIE_DATA_PHASE_REQUIRED:
    'Selfie data can only be uploaded during the selfie capture step. Continue from the current step.',
  DATA_CHUNK_RETRY: 'A data chunk needs to be retried. Continue uploading from the current verification step.',
  UNKNOWN_DATA_KIND: 'Unknown data kind.',
  NFC_REQUIRED_DATA_MISSING:
    'Required passport chip data is still missing. Continue the NFC upload before finishing this step.',
  SELFIE_REQUIRED_DATA_MISSING:
    'Required selfie data is still missing. Continue the selfie upload before finishing this step.',
  SHARE_SELECTION_REQUIRED: 'Choose at least one verification detail before continuing.',
  SHARE_SELECTION_INVALID_FIELD:
    'One or more selected details are not available for this verification. Review the requested details and try again.',
  SHARE_SELECTION_MISSING_REQUIRED: 'Required verification details must stay selected before you can continue.',
  INVALID_MESSAGE: 'Send messages as JSON text frames.',
  DECODE_FAILED: 'The message could not be decoded.',
  INTERNAL_ERROR: "We couldn't complete the verification due to an unexpected issue. Please try again.",
} as const;
export type WsErrorCode = keyof typeof WS_ERROR_MESSAGES;

/**
 * The message of SESSION_EXPIRED, by the session's status. Upstream and §6.12 answer every
 * final session with that code; the message says how it really ended, so the user of a
 * cancelled or failed session is not told that it expired.
 */
const TERMINAL_SESSION_MESSAGES: Readonly<Record<string, string>> = {
  expired: WS_ERROR_MESSAGES.SESSION_EXPIRED,
  succeeded: 'This verification session is already complete. Please restart the verification process to verify again.',
  failed: 'This verification session has failed and can no longer be completed. Please restart the verification process.',
  cancelled: 'This verification session was cancelled. Please restart the verification process.',
};

export const terminalSessionMessage = (status: string | undefined): string =>
  (status !== undefined ? TERMINAL_SESSION_MESSAGES[status] : undefined) ?? WS_ERROR_MESSAGES.SESSION_EXPIRED;

/** Close codes of §6.12. */
export const CLOSE = { NORMAL: 1000, POLICY: 1008, TOO_BIG: 1009, INTERNAL: 1011 } as const;
