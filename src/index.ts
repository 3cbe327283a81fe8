/**
 * What Passline exports as a library: the receiver-side helpers for businesses that
 * consume its webhooks (verify `X-Kayle-Signature`, decrypt the JWE body).
 */
export { decryptKaylePayload, SIGNATURE_TOLERANCE_S, verifyKayleSignature, type KaylePayload } from './webhooks/receiver.js';
