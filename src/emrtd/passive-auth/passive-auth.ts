import type * as asn1js from 'asn1js';
import {
  describeScheme,
  digest,
  digestAlgorithmByOid,
  resolveSignatureScheme,
  verifySignature,
  type DigestAlgorithm,
} from './algorithms.js';
import { isWithinValidity, parseCertificate, type ParsedCertificate } from './certificate.js';
import {
  CmsError,
  OID_CONTENT_TYPE_ATTRIBUTE,
  OID_MESSAGE_DIGEST_ATTRIBUTE,
  parseSignedDataContentInfo,
  type CmsAttribute,
  type SignedData,
  type SignerInfo,
} from './cms.js';
import { DerError, bytesEqual, children, decodeElement, octets, oid, rawBytes, toHex } from './der.js';
import { OID_LDS_SECURITY_OBJECT, parseLdsSecurityObject, type LdsSecurityObject } from './lds.js';
import { decidingCrl } from './crl.js';
import type { TrustStore, TrustedCrl } from './trust-store.js';

/**
 * Every way passive authentication can fail, one reason per check. They all surface to clients
 * as `document_authenticity_failed` (§6.7 step 3); the distinction is for logs and tests.
 */
export const PASSIVE_AUTH_FAILURES = [
  'trust_store_empty',
  'sod_unparseable',
  'sod_not_signed_data',
  'wrong_econtent_type',
  'lds_unparseable',
  'unsupported_digest_algorithm',
  'dg1_hash_missing',
  'dg2_hash_missing',
  'dg1_hash_mismatch',
  'dg2_hash_mismatch',
  'signer_info_count_invalid',
  'signed_attributes_missing',
  'content_type_attribute_mismatch',
  'message_digest_mismatch',
  'dsc_missing',
  'unsupported_signature_algorithm',
  'signature_invalid',
  'csca_not_found',
  'dsc_chain_signature_invalid',
  'dsc_not_yet_valid',
  'dsc_expired',
  'csca_not_yet_valid',
  'csca_expired',
  'dsc_revoked',
  'crl_stale',
] as const;

/** What a CRL past its nextUpdate does (`CRL_POLICY`, §6.7): accept with a warning, or fail. */
export type CrlPolicy = 'soft' | 'strict';

/** The CRL that decided a revocation check, for logs. */
export interface CrlSummary {
  source: string;
  issuer: string;
  /** SHA-256 of the CRL's DER, lowercase hex. */
  fingerprint: string;
  crlNumber: string | null;
  thisUpdate: string;
  nextUpdate: string | null;
}

export type PassiveAuthFailure = (typeof PASSIVE_AUTH_FAILURES)[number];

export interface CertificateSummary {
  subject: string;
  issuer: string;
  /** Lowercase hex. */
  serial: string;
}

export type PassiveAuthResult =
  | {
      ok: true;
      dsc: CertificateSummary;
      /** The trust-store certificate whose key verified the DSC. */
      csca: CertificateSummary;
      /** The LDS security object's digest algorithm, used for the data-group hashes. */
      digestAlgorithm: DigestAlgorithm;
      /** The SOD signature scheme, e.g. `RSASSA-PSS with SHA-256 (salt 32)`. */
      signatureAlgorithm: string;
      /** Set when the deciding CRL is past its nextUpdate and CRL_POLICY is `soft`: warn about it. */
      staleCrl?: CrlSummary;
    }
  | { ok: false; reason: PassiveAuthFailure; detail: string };

export interface PassiveAuthInput {
  /** The complete EF.DG1 as read from the chip (tag 0x61 included). */
  dg1: Uint8Array;
  /** The complete EF.DG2 as read from the chip (tag 0x75 included). */
  dg2: Uint8Array;
  /** EF.SOD, with or without its 0x77 application tag. */
  sod: Uint8Array;
  trustStore: TrustStore;
  /** The instant certificate validity and CRL freshness are checked against. */
  now: Date;
  /** Default `soft`. */
  crlPolicy?: CrlPolicy;
}

type Failure = Extract<PassiveAuthResult, { ok: false }>;

/** Thrown inside a step to leave with a failure; caught once in passiveAuthenticate. */
class StepFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.detail);
  }
}

function fail(reason: PassiveAuthFailure, detail: string): never {
  throw new StepFailure({ ok: false, reason, detail });
}

/**
 * Passive authentication of an eMRTD (ICAO 9303-11 §5.1, API.md §6.7 step 3): the data-group
 * hashes against the SOD, the SOD's CMS signature against its DSC, and the DSC against a CSCA
 * from the trust store. Never throws on hostile input: every failure is a result.
 * Then revocation: the DSC's serial against the deciding CRL of its CSCA, if the store has one.
 * Active authentication (DG15) and chip authentication (DG14) are out of scope (§6.7).
 * The work is synchronous today (node:crypto); the Promise keeps callers unchanged should it
 * move to WebCrypto or a worker.
 */
export async function passiveAuthenticate(input: PassiveAuthInput): Promise<PassiveAuthResult> {
  try {
    return runChecks(input);
  } catch (error) {
    if (error instanceof StepFailure) return error.failure;
    throw error;
  }
}

function runChecks(input: PassiveAuthInput): PassiveAuthResult {
  // An empty store can never succeed; saying so first names the operator's problem, not the passport's.
  if (input.trustStore.certificates.length === 0) fail('trust_store_empty', 'the CSCA trust store holds no certificates');

  const signedData = readSignedData(input.sod);
  const eContent = signedData.eContent;
  const lds = readLds(eContent);
  const ldsDigest = digestAlgorithmByOid(lds.hashAlgorithm.oid);
  if (!ldsDigest) fail('unsupported_digest_algorithm', `LDS hashAlgorithm ${lds.hashAlgorithm.oid} is not supported`);
  checkDataGroupHashes(lds, ldsDigest, input);

  if (signedData.signerInfos.length !== 1) {
    fail('signer_info_count_invalid', `the SOD has ${signedData.signerInfos.length} SignerInfos, expected exactly 1`);
  }
  const signerInfo = signedData.signerInfos[0];
  const signedBytes = checkSignedAttributes(signerInfo, eContent);
  const dsc = findDsc(signedData, signerInfo);
  const signatureAlgorithm = checkSodSignature(signerInfo, dsc, signedBytes);
  const csca = checkChain(dsc, input.trustStore, input.now);
  const staleCrl = checkRevocation(dsc, input.trustStore, input.now, input.crlPolicy ?? 'soft');

  return {
    ok: true,
    dsc: summarize(dsc),
    csca: summarize(csca),
    digestAlgorithm: ldsDigest,
    signatureAlgorithm,
    ...(staleCrl ? { staleCrl } : {}),
  };
}

/** Strips the optional 0x77 (EF.SOD application tag 23) wrapper and returns the ContentInfo bytes. */
export function unwrapSod(sod: Uint8Array): Uint8Array {
  if (sod[0] !== 0x77) return sod;
  const wrapper = decodeElement(sod, 'EF.SOD', true);
  const inner = children(wrapper, 'EF.SOD');
  if (inner.length !== 1) throw new DerError(`EF.SOD: expected one ContentInfo inside tag 0x77, found ${inner.length}`);
  return rawBytes(inner[0]);
}

function readSignedData(sod: Uint8Array): SignedData & { eContent: Uint8Array } {
  let signedData: SignedData;
  try {
    signedData = parseSignedDataContentInfo(unwrapSod(sod));
  } catch (error) {
    if (error instanceof CmsError && error.kind === 'not_signed_data') fail('sod_not_signed_data', error.message);
    fail('sod_unparseable', (error as Error).message);
  }
  if (signedData.eContentType !== OID_LDS_SECURITY_OBJECT) {
    fail('wrong_econtent_type', `eContentType is ${signedData.eContentType}, expected ${OID_LDS_SECURITY_OBJECT}`);
  }
  const { eContent } = signedData;
  if (!eContent) fail('lds_unparseable', 'the SOD carries no eContent');
  return { ...signedData, eContent };
}

function readLds(eContent: Uint8Array): LdsSecurityObject {
  try {
    return parseLdsSecurityObject(eContent);
  } catch (error) {
    fail('lds_unparseable', (error as Error).message);
  }
}

function checkDataGroupHashes(lds: LdsSecurityObject, algorithm: DigestAlgorithm, input: PassiveAuthInput): void {
  const dataGroups = [
    { number: 1, bytes: input.dg1, missing: 'dg1_hash_missing', mismatch: 'dg1_hash_mismatch' },
    { number: 2, bytes: input.dg2, missing: 'dg2_hash_missing', mismatch: 'dg2_hash_mismatch' },
  ] as const;
  for (const group of dataGroups) {
    if (!lds.dataGroupHashes.has(group.number)) fail(group.missing, `the SOD holds no hash for DG${group.number}`);
  }
  for (const group of dataGroups) {
    const stored = lds.dataGroupHashes.get(group.number)!;
    const computed = digest(algorithm, group.bytes);
    if (!bytesEqual(stored, computed)) {
      const lengths =
        stored.byteLength === computed.byteLength ? '' : ` (stored ${stored.byteLength} bytes, ${algorithm} gives ${computed.byteLength})`;
      fail(group.mismatch, `the ${algorithm} hash of DG${group.number} differs from the SOD${lengths}`);
    }
  }
}

/** Checks content-type and message-digest; returns the bytes the signature must cover. */
function checkSignedAttributes(signerInfo: SignerInfo, eContent: Uint8Array): Uint8Array {
  const signerDigest = digestAlgorithmByOid(signerInfo.digestAlgorithm.oid);
  if (!signerDigest) {
    fail('unsupported_digest_algorithm', `SignerInfo digestAlgorithm ${signerInfo.digestAlgorithm.oid} is not supported`);
  }
  const signed = signerInfo.signedAttributes;
  if (!signed) fail('signed_attributes_missing', 'the SignerInfo has no signed attributes');

  const contentType = singleAttributeValue(signed.attributes, OID_CONTENT_TYPE_ATTRIBUTE);
  if (typeof contentType === 'string') fail('content_type_attribute_mismatch', `content-type attribute: ${contentType}`);
  let contentTypeOid: string;
  try {
    contentTypeOid = oid(contentType, 'content-type');
  } catch {
    fail('content_type_attribute_mismatch', 'content-type attribute is not an OBJECT IDENTIFIER');
  }
  if (contentTypeOid !== OID_LDS_SECURITY_OBJECT) {
    fail('content_type_attribute_mismatch', `content-type attribute is ${contentTypeOid}, expected ${OID_LDS_SECURITY_OBJECT}`);
  }

  const messageDigest = singleAttributeValue(signed.attributes, OID_MESSAGE_DIGEST_ATTRIBUTE);
  if (typeof messageDigest === 'string') fail('message_digest_mismatch', `message-digest attribute: ${messageDigest}`);
  let stored: Uint8Array;
  try {
    stored = octets(messageDigest, 'message-digest');
  } catch {
    fail('message_digest_mismatch', 'message-digest attribute is not an OCTET STRING');
  }
  if (!bytesEqual(stored, digest(signerDigest, eContent))) {
    fail('message_digest_mismatch', `message-digest attribute differs from the ${signerDigest} digest of eContent`);
  }
  return signed.signedBytes;
}

/** The one value of the one attribute of this type, or why there is not exactly one. */
function singleAttributeValue(attributes: CmsAttribute[], type: string): asn1js.AsnType | string {
  const matching = attributes.filter((attribute) => attribute.type === type);
  if (matching.length === 0) return 'missing';
  if (matching.length > 1) return 'present more than once';
  if (matching[0].values.length !== 1) return `has ${matching[0].values.length} values, expected 1`;
  return matching[0].values[0];
}

function findDsc(signedData: SignedData, signerInfo: SignerInfo): ParsedCertificate {
  if (signedData.certificates.length === 0) fail('dsc_missing', 'the SOD carries no certificates');
  // A certificate we cannot read is passed over rather than failing the SOD: only the one the
  // sid names matters, and an SOD may carry others (a CSCA, a link certificate).
  const unreadable: string[] = [];
  const certificates: ParsedCertificate[] = [];
  for (const [index, der] of signedData.certificates.entries()) {
    try {
      certificates.push(parseCertificate(der));
    } catch (error) {
      unreadable.push(`certificate ${index}: ${(error as Error).message}`);
    }
  }
  const sid = signerInfo.sid;
  const dsc = certificates.find((certificate) =>
    sid.kind === 'issuerAndSerialNumber'
      ? bytesEqual(certificate.issuerDer, sid.issuerDer) && certificate.serialNumber === sid.serialNumber
      : certificate.subjectKeyIdentifier !== undefined && bytesEqual(certificate.subjectKeyIdentifier, sid.keyIdentifier),
  );
  if (!dsc) {
    const wanted =
      sid.kind === 'issuerAndSerialNumber' ? `serial ${sid.serialNumber.toString(16)}` : `key id ${toHex(sid.keyIdentifier)}`;
    const skipped = unreadable.length > 0 ? `; unreadable: ${unreadable.join('; ')}` : '';
    fail('dsc_missing', `no certificate in the SOD matches the SignerInfo sid (${wanted})${skipped}`);
  }
  return dsc;
}

function checkSodSignature(signerInfo: SignerInfo, dsc: ParsedCertificate, signedBytes: Uint8Array): string {
  const scheme = resolveSignatureScheme(signerInfo.signatureAlgorithm, digestAlgorithmByOid(signerInfo.digestAlgorithm.oid));
  if ('unsupported' in scheme) fail('unsupported_signature_algorithm', `SOD: ${scheme.unsupported}`);
  const problem = verifySignature(dsc.spki, scheme, signedBytes, signerInfo.signature);
  if (problem) fail('signature_invalid', `SOD signature by ${dsc.subject}: ${problem}`);
  return describeScheme(scheme);
}

/**
 * DSC → CSCA: a trust-store certificate whose subject DER equals the DSC issuer (and whose SKI
 * equals the DSC's AKI when both exist) must verify the DSC signature, and both must be valid now.
 * Several certificates may share a subject (a renewed CSCA and its link certificate), so any
 * candidate that verifies and is valid is enough.
 */
function checkChain(dsc: ParsedCertificate, trustStore: TrustStore, now: Date): ParsedCertificate {
  const sameSubject = trustStore.certificates.filter((candidate) => bytesEqual(candidate.subjectDer, dsc.issuerDer));
  if (sameSubject.length === 0) fail('csca_not_found', `no trusted CSCA has the subject "${dsc.issuer}"`);
  const sameKey = sameSubject.filter(
    (candidate) =>
      candidate.subjectKeyIdentifier === undefined ||
      dsc.authorityKeyIdentifier === undefined ||
      bytesEqual(candidate.subjectKeyIdentifier, dsc.authorityKeyIdentifier),
  );
  if (sameKey.length === 0) {
    fail(
      'csca_not_found',
      `${sameSubject.length} trusted CSCA(s) named "${dsc.issuer}" but none has the key id ${toHex(dsc.authorityKeyIdentifier!)}`,
    );
  }
  const scheme = resolveSignatureScheme(dsc.signatureAlgorithm);
  if ('unsupported' in scheme) fail('unsupported_signature_algorithm', `DSC: ${scheme.unsupported}`);
  const problems = sameKey.map((candidate) => verifySignature(candidate.spki, scheme, dsc.tbs, dsc.signature));
  const signers = sameKey.filter((_, index) => problems[index] === null);
  if (signers.length === 0) {
    fail('dsc_chain_signature_invalid', `no trusted CSCA named "${dsc.issuer}" verifies the DSC: ${problems[0]}`);
  }
  const dscValidity = isWithinValidity(dsc, now);
  if (dscValidity === 'not_yet_valid') fail('dsc_not_yet_valid', `the DSC is valid from ${dsc.notBefore.toISOString()}`);
  if (dscValidity === 'expired') fail('dsc_expired', `the DSC expired at ${dsc.notAfter.toISOString()}`);
  const valid = signers.find((candidate) => isWithinValidity(candidate, now) === 'valid');
  if (valid) return valid;
  const csca = signers[0];
  if (isWithinValidity(csca, now) === 'not_yet_valid') {
    fail('csca_not_yet_valid', `the CSCA "${csca.subject}" is valid from ${csca.notBefore.toISOString()}`);
  }
  fail('csca_expired', `the CSCA "${csca.subject}" expired at ${csca.notAfter.toISOString()}`);
}

/**
 * The DSC's serial against the CRL that decides for its CSCA (§6.7 "Revocation"): the CRLs in the
 * store whose issuer is the DSC's issuer, verified at load by a CSCA of that name. Grouping by name
 * rather than by key lets a CRL signed after a key rollover cover DSCs under the old key, as
 * ICAO 9303-12 has one CRL per CSCA (the country's signing authority), whatever key signs it.
 * Returns the stale CRL to warn about under `soft`; no CRL at all is accepted under both policies.
 */
function checkRevocation(dsc: ParsedCertificate, trustStore: TrustStore, now: Date, policy: CrlPolicy): CrlSummary | undefined {
  const crl = decidingCrl(trustStore.crls.filter((candidate) => bytesEqual(candidate.issuerDer, dsc.issuerDer)));
  if (!crl) return undefined;
  if (crl.revokedSerials.has(dsc.serialNumber)) {
    fail('dsc_revoked', `the DSC (serial ${dsc.serialHex}) is listed on the CRL ${crl.source} of "${crl.issuer}"`);
  }
  if (!crl.nextUpdate || crl.nextUpdate.getTime() >= now.getTime()) return undefined;
  if (policy === 'strict') {
    fail('crl_stale', `the CRL ${crl.source} of "${crl.issuer}" was due for renewal at ${crl.nextUpdate.toISOString()} (CRL_POLICY=strict)`);
  }
  return summarizeCrl(crl);
}

function summarizeCrl(crl: TrustedCrl): CrlSummary {
  return {
    source: crl.source,
    issuer: crl.issuer,
    fingerprint: crl.fingerprint,
    crlNumber: crl.crlNumber === undefined ? null : crl.crlNumber.toString(),
    thisUpdate: crl.thisUpdate.toISOString(),
    nextUpdate: crl.nextUpdate ? crl.nextUpdate.toISOString() : null,
  };
}

function summarize(certificate: ParsedCertificate): CertificateSummary {
  return { subject: certificate.subject, issuer: certificate.issuer, serial: certificate.serialHex };
}
