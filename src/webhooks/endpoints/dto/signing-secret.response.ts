/** The endpoint's current signing secret (§5.7). */
export class SigningSecretResponse {
  /**
   * The endpoint the secret belongs to.
   * @example "whe_m3q8x1k4n7p0r2t5v8y1a4c7e0g3j6l9"
   */
  endpoint_id: string;

  /**
   * The current secret; HMAC key of the `v1` signatures (§5.12).
   * @example "whsec_abcdefghijklmnopqrstuvwxyz012345"
   */
  signing_secret: string;
}

/** The result of a rotation (§5.7): the new current secret and the old one's end. */
export class RotatedSigningSecretResponse extends SigningSecretResponse {
  /**
   * Until when the previous secret keeps signing alongside the new one; null when it was
   * dropped at once (`previous_secret_expires_in: 0`).
   * @example "2026-11-27T10:00:00.000Z"
   */
  previous_secret_expires_at: string | null;
}
