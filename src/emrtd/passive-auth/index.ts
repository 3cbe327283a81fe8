export { type DigestAlgorithm } from './algorithms.js';
export { parseCertificate, pemCertificates, toPem, type ParsedCertificate } from './certificate.js';
export { StaleCrlWarnings, decidingCrl, parseCrl, pemCrls, type ParsedCrl } from './crl.js';
export {
  PASSIVE_AUTH_FAILURES,
  passiveAuthenticate,
  unwrapSod,
  type CertificateSummary,
  type CrlPolicy,
  type CrlSummary,
  type PassiveAuthFailure,
  type PassiveAuthInput,
  type PassiveAuthResult,
} from './passive-auth.js';
export {
  ParsedFileCache,
  TrustStoreReadError,
  createTrustStore,
  loadTrustStore,
  masterListCertificates,
  type CrlCandidate,
  type LoadOptions,
  type TrustStore,
  type TrustStoreLog,
  type TrustedCrl,
} from './trust-store.js';
export { ReloadableTrustStore, type ReloadOptions } from './trust-store-reloader.js';
