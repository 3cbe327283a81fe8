export { type DigestAlgorithm } from './algorithms.js';
export { parseCertificate, pemCertificates, toPem, type ParsedCertificate } from './certificate.js';
export {
  PASSIVE_AUTH_FAILURES,
  passiveAuthenticate,
  unwrapSod,
  type CertificateSummary,
  type PassiveAuthFailure,
  type PassiveAuthInput,
  type PassiveAuthResult,
} from './passive-auth.js';
export { createTrustStore, loadTrustStore, masterListCertificates, type TrustStore } from './trust-store.js';
