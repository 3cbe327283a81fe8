import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type * as asn1js from 'asn1js';
import { parseCertificate, pemCertificates, type ParsedCertificate } from './certificate.js';
import { parseSignedDataContentInfo } from './cms.js';
import { DerError, TAG, decodeElement, integer, isUniversal, rawBytes, sequence, set } from './der.js';

/** The CSCA certificates passive authentication trusts; link certificates are simply members. */
export interface TrustStore {
  readonly certificates: readonly ParsedCertificate[];
}

export const OID_CSCA_MASTER_LIST = '2.23.136.1.1.2';

const CERTIFICATE_EXTENSIONS = new Set(['.pem', '.crt', '.cer']);
const MASTER_LIST_EXTENSION = '.ml';

/** A store from certificates already in hand; duplicates (same DER) are kept once. */
export function createTrustStore(certificates: Iterable<ParsedCertificate>): TrustStore {
  const seen = new Set<string>();
  const unique: ParsedCertificate[] = [];
  for (const certificate of certificates) {
    const fingerprint = createHash('sha256').update(certificate.der).digest('hex');
    if (seen.has(fingerprint)) continue;
    seen.add(fingerprint);
    unique.push(certificate);
  }
  return { certificates: unique };
}

/**
 * Reads CSCA_TRUST_STORE_DIR (§6.7) once at start-up: `.pem`/`.crt`/`.cer` files hold one or more
 * certificates, PEM or DER; `.ml` files are ICAO master lists. Anything else, and anything that
 * cannot be read, is skipped with one warning through `log`, so one bad file does not take the
 * service down; the resulting count is logged. A missing directory yields an empty store, which
 * fails every verification with `trust_store_empty`.
 */
export function loadTrustStore(dir: string, log: (msg: string) => void): TrustStore {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (error) {
    log(`CSCA trust store: cannot read directory ${dir}: ${(error as Error).message}; the store is empty`);
    return { certificates: [] };
  }
  const certificates: ParsedCertificate[] = [];
  for (const entry of entries) {
    const path = join(dir, entry);
    const extension = extname(entry).toLowerCase();
    const isCertificateFile = CERTIFICATE_EXTENSIONS.has(extension);
    if (!isCertificateFile && extension !== MASTER_LIST_EXTENSION) {
      log(`CSCA trust store: skipping ${entry}: not a .pem, .crt, .cer or .ml file`);
      continue;
    }
    try {
      if (!statSync(path).isFile()) throw new Error('not a regular file');
      const bytes = new Uint8Array(readFileSync(path));
      const ders = isCertificateFile ? certificateFileContents(bytes) : masterListCertificates(bytes);
      const parsed: ParsedCertificate[] = [];
      for (const [index, der] of ders.entries()) {
        try {
          parsed.push(parseCertificate(der));
        } catch (error) {
          log(`CSCA trust store: skipping certificate ${index + 1} of ${entry}: ${(error as Error).message}`);
        }
      }
      if (ders.length === 0) log(`CSCA trust store: skipping ${entry}: it holds no certificates`);
      certificates.push(...parsed);
    } catch (error) {
      log(`CSCA trust store: skipping ${entry}: ${(error as Error).message}`);
    }
  }
  const store = createTrustStore(certificates);
  log(`CSCA trust store: loaded ${store.certificates.length} CSCA certificate(s) from ${dir}`);
  return store;
}

function isPem(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 2048)).toString('latin1').includes('-----BEGIN');
}

/** PEM blocks, or one or more DER certificates back to back. */
function certificateFileContents(bytes: Uint8Array): Uint8Array[] {
  if (isPem(bytes)) return pemCertificates(Buffer.from(bytes).toString('latin1'));
  const ders: Uint8Array[] = [];
  let rest = bytes;
  while (rest.byteLength > 0) {
    const element = decodeElement(rest, 'DER certificate', true);
    const raw = rawBytes(element);
    ders.push(raw);
    rest = rest.subarray(raw.byteLength);
  }
  return ders;
}

/**
 * The CSCA certificates of an ICAO master list (9303-12 §9): SignedData whose eContent is
 * CscaMasterList ::= SEQUENCE { version INTEGER, certList SET OF Certificate }.
 * The master list's own signature is NOT verified: the operator chose to place the file in the
 * trust store directory, which is the trust decision; verifying it would need the Master List
 * Signer's CSCA, which is exactly what is being loaded. The signer certificates carried in the
 * SignedData are not trust anchors and are ignored.
 */
export function masterListCertificates(bytes: Uint8Array): Uint8Array[] {
  const der = isPem(bytes) ? pemBody(bytes) : bytes;
  const signedData = parseSignedDataContentInfo(der);
  if (signedData.eContentType !== OID_CSCA_MASTER_LIST) {
    throw new DerError(`eContentType is ${signedData.eContentType}, not a CSCA master list (${OID_CSCA_MASTER_LIST})`);
  }
  if (!signedData.eContent) throw new DerError('the master list carries no eContent');
  const [version, certList] = sequence(decodeElement(signedData.eContent, 'CscaMasterList'), 'CscaMasterList');
  integer(version, 'CscaMasterList version');
  return set(certList, 'certList')
    .filter((item: asn1js.AsnType) => isUniversal(item, TAG.SEQUENCE))
    .map((item) => rawBytes(item));
}

function pemBody(bytes: Uint8Array): Uint8Array {
  const match = /-----BEGIN [^-]+-----([\s\S]*?)-----END [^-]+-----/.exec(Buffer.from(bytes).toString('latin1'));
  if (!match) throw new DerError('malformed PEM');
  return new Uint8Array(Buffer.from(match[1].replace(/\s+/g, ''), 'base64'));
}
