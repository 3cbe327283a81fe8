/** A handoff to the mobile app (§6.3); the QR code and deep link carry exactly this object. */
export class HandoffResponse {
  /**
   * Payload version; always 1.
   * @example 1
   */
  v: 1;

  /**
   * The session being verified.
   * @example "vs_8f2k1m4n7p0q3r6s9t2u5v8w1x4y7z0a3b6c9d2e5f8g1h4i7j0k3l6m9n2o5p8q1r4s"
   */
  session_id: string;

  /**
   * The attempt this handoff starts (or, within 60 s of its issue, reuses).
   * @example "va_c41x9k2m5n8p1q4r7s0t3u6v9w2x5y8z1a4b7c0d3e6f9g2h5i8j1k4l7m0n3o6p9q2r"
   */
  attempt_id: string;

  /**
   * Single-use credential for the WebSocket `hello`: 64 lowercase hex characters.
   * @example "9be0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8"
   */
  mobile_write_token: string;

  /**
   * When the token expires if unused (5 minutes after it was issued).
   * @example "2026-11-26T10:06:00.000Z"
   */
  expires_at: string;

  /**
   * Where the app opens the verification WebSocket (extension): PUBLIC_BASE_URL with `ws`/`wss`.
   * @example "wss://api.example.com/v1/verify/session/vs_8f2k1m4n7p0q3r6s9t2u5v8w1x4y7z0a3b6c9d2e5f8g1h4i7j0k3l6m9n2o5p8q1r4s"
   */
  websocket_url: string;
}
