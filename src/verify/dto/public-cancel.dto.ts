export class PublicCancelDto {
  /**
   * The session's `cancel_token` from the create response (the `cancel_token` query
   * parameter of the create response's verification_url).
   * @example "q7d2k9m4n1p8r5s2t9u6v3w0x7y4z1a8b5c2d9e6f3g0h7i4j1k8l5m2n9o6p3q0r7s4t1"
   */
  cancel_token: string;
}
