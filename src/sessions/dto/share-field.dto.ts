/** One requested claim. */
export class ShareFieldInput {
  /**
   * Whether the user must share this claim to complete the verification.
   * @example true
   */
  required: boolean;

  /**
   * Why you need it, shown to the user; 1 to 200 characters after trimming.
   * @example "Confirm you are an adult."
   */
  reason: string;
}

/** One claim as stored and returned (normalized, §3.6.3). */
export class ShareFieldResponse {
  /**
   * Whether the user must share this claim.
   * @example true
   */
  required: boolean;

  /**
   * The reason shown to the user, trimmed with whitespace runs collapsed.
   * @example "Confirm you are an adult."
   */
  reason: string;

  /**
   * `rc` when you supplied the reason, `default` when Passline did.
   * @example "rc"
   */
  source: 'rc' | 'default';
}
