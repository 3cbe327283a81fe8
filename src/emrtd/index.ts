/**
 * The public face of the eMRTD library: reading what a passport chip holds (ICAO 9303). Plain
 * functions over bytes, with no framework or database imports, so the verify flow, the CLI and the
 * specs share one reading of the chip.
 *
 * - BER-TLV (9303-10 §4.3), the TD3 MRZ (9303-4), EF.DG1 and EF.DG2 with its JPEG / JPEG 2000
 *   portrait (9303-10 §4.7, ISO/IEC 19794-5);
 * - the SOD and passive authentication against a trust store of CSCA certificates and their CRLs
 *   (9303-11 §5, 9303-12), reloadable while the server runs.
 *
 * The test-passport builder lives behind its own entry, `./testing/index.js`: it signs with
 * generated keys and is for specs, e2e tests and the `fixtures` CLI command, not for the flow.
 */
export { fullYearsBetween, isAgeOver, isLeapYear, parseIsoDate, utcToday, type CalendarDate } from './calendar.js';
export { DG1_TAG, MRZ_INFO_TAG, parseDg1, type Dg1FailureReason, type Dg1ParseResult } from './dg1.js';
export {
  BIOMETRIC_DATA_BLOCK_TAGS,
  BIOMETRIC_GROUP_TEMPLATE_TAG,
  BIOMETRIC_INFO_TEMPLATE_TAG,
  DG2_TAG,
  extractPortrait,
  portraitFromBiometricData,
  type Dg2FailureReason,
  type Portrait,
  type PortraitFormat,
  type PortraitResult,
} from './dg2.js';
export { jpegSize } from './image-size.js';
export { PLACEHOLDER_PHOTO } from './placeholder-photo.js';
export { jp2FileSize, j2kCodestreamSize, jpeg2000Size, type ImageSize } from './jpeg2000.js';
export {
  TD3_LINE_LENGTH,
  formatCalendarDate,
  mrzCheckDigit,
  parseMrzName,
  parseTd3,
  type MrzFailureReason,
  type Td3Mrz,
  type Td3ParseResult,
} from './mrz.js';
export {
  PASSIVE_AUTH_FAILURES,
  ReloadableTrustStore,
  StaleCrlWarnings,
  TrustStoreReadError,
  createTrustStore,
  loadTrustStore,
  masterListCertificates,
  parseCertificate,
  passiveAuthenticate,
  pemCertificates,
  toPem,
  unwrapSod,
  type CertificateSummary,
  type CrlPolicy,
  type CrlSummary,
  type DigestAlgorithm,
  type ParsedCertificate,
  type PassiveAuthFailure,
  type PassiveAuthInput,
  type PassiveAuthResult,
  type TrustStore,
  type TrustStoreLog,
} from './passive-auth/index.js';
export { TlvParseError, findTlv, readTlv, readTlvSequence, type Tlv, type TlvErrorCode } from './tlv.js';
