import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type * as asn1js from 'asn1js';
import { resolveSignatureScheme, verifySignature } from './algorithms.js';
import { parseCertificate, pemCertificates, type ParsedCertificate } from './certificate.js';
import { parseSignedDataContentInfo } from './cms.js';
import { parseCrl, pemCrls, type ParsedCrl } from './crl.js';
import { DerError, TAG, bytesEqual, decodeElement, integer, isUniversal, rawBytes, sequence, set, toHex } from './der.js';

/** A CRL whose signature a trusted CSCA verified; `source` names it in logs (`file.crl #2`). */
export interface TrustedCrl extends ParsedCrl {
  readonly source: string;
  /** The trust-store certificate whose key verified the CRL. */
  readonly signer: ParsedCertificate;
}

/**
 * The CSCA certificates passive authentication trusts (link certificates are simply members),
 * and the CRLs those CSCAs signed. Never mutated: a reload builds a new store and swaps it in.
 */
export interface TrustStore {
  readonly certificates: readonly ParsedCertificate[];
  readonly crls: readonly TrustedCrl[];
}

/** A CRL as read from a file, before its signature is checked. */
export interface CrlCandidate {
  crl: ParsedCrl;
  source: string;
}

/** Info for counts and progress, warn for anything skipped or wrong. */
export type TrustStoreLog = (message: string, level?: 'log' | 'warn') => void;

export const OID_CSCA_MASTER_LIST = '2.23.136.1.1.2';

/**
 * A store from certificates and CRLs already in hand. Duplicates (same DER) are kept once. A CRL
 * is kept only if its signature verifies with the key of one of these certificates whose subject
 * equals the CRL issuer (and whose SKI equals the CRL's AKI when both exist); any other is skipped
 * with one warning through `log` (§6.7 "Revocation").
 */
export function createTrustStore(
  certificates: Iterable<ParsedCertificate>,
  crls: Iterable<CrlCandidate> = [],
  log: TrustStoreLog = () => undefined,
): TrustStore {
  const seen = new Set<string>();
  const unique: ParsedCertificate[] = [];
  for (const certificate of certificates) {
    const fingerprint = createHash('sha256').update(certificate.der).digest('hex');
    if (seen.has(fingerprint)) continue;
    seen.add(fingerprint);
    unique.push(certificate);
  }
  const trustedCrls: TrustedCrl[] = [];
  for (const { crl, source } of crls) {
    if (seen.has(crl.fingerprint)) continue;
    seen.add(crl.fingerprint);
    const signer = crlSigner(crl, unique);
    if (typeof signer === 'string') {
      log(`CSCA trust store: skipping CRL ${source} (issuer "${crl.issuer}"): ${signer}`, 'warn');
      continue;
    }
    trustedCrls.push({ ...crl, source, signer });
  }
  return { certificates: unique, crls: trustedCrls };
}

/** The certificate whose key verifies the CRL, or why none does. */
function crlSigner(crl: ParsedCrl, certificates: readonly ParsedCertificate[]): ParsedCertificate | string {
  const sameSubject = certificates.filter((candidate) => bytesEqual(candidate.subjectDer, crl.issuerDer));
  if (sameSubject.length === 0) return 'no loaded CSCA has that subject';
  const sameKey = sameSubject.filter(
    (candidate) =>
      candidate.subjectKeyIdentifier === undefined ||
      crl.authorityKeyIdentifier === undefined ||
      bytesEqual(candidate.subjectKeyIdentifier, crl.authorityKeyIdentifier),
  );
  if (sameKey.length === 0) return `no loaded CSCA with that subject has the key id ${toHex(crl.authorityKeyIdentifier!)}`;
  const scheme = resolveSignatureScheme(crl.signatureAlgorithm);
  if ('unsupported' in scheme) return scheme.unsupported;
  const problems = sameKey.map((candidate) => verifySignature(candidate.spki, scheme, crl.tbs, crl.signature));
  const index = problems.findIndex((problem) => problem === null);
  return index >= 0 ? sameKey[index] : `its signature does not verify with any loaded CSCA of that subject: ${problems[0]}`;
}

/** Thrown by a strict load (a reload): the previous store stays in service. */
export class TrustStoreReadError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'TrustStoreReadError';
  }
}

export interface LoadOptions {
  /**
   * Fail (TrustStoreReadError) instead of skipping when the folder or a certificate, master list
   * or CRL file in it cannot be read or parsed. Reloads use it: a file caught half-written by a
   * download must not drop a country's CSCAs or CRLs until the next change.
   */
  strict?: boolean;
  /** Files parsed by earlier loads, reused while their bytes are unchanged. */
  cache?: ParsedFileCache;
}

type FileKind = 'certificates' | 'master-list' | 'crls';

/** What one file yields, whatever its name: a reload reuses it while the bytes are the same. */
interface ParsedFile {
  certificates: ParsedCertificate[];
  /** With their position among the file's CRLs, which names them in logs. */
  crls: Array<{ crl: ParsedCrl; index: number }>;
  crlCount: number;
  /** `item` (e.g. `certificate 2`) when one element of the file is at fault, else the whole file is. */
  problems: Array<{ item?: string; message: string }>;
}

/**
 * Parsed files by content hash. Parsing dominates a load (a master list of 300 CSCAs takes a few
 * hundred milliseconds on the event loop), so a reload after one CRL changed parses that CRL only.
 */
export class ParsedFileCache {
  private readonly entries = new Map<string, ParsedFile>();
  private readonly used = new Set<string>();

  lookup(key: string, parse: () => ParsedFile): ParsedFile {
    this.used.add(key);
    let parsed = this.entries.get(key);
    if (!parsed) {
      parsed = parse();
      this.entries.set(key, parsed);
    }
    return parsed;
  }

  /** Forgets files the last load did not see (removed or changed since). */
  sweep(): void {
    for (const key of this.entries.keys()) if (!this.used.has(key)) this.entries.delete(key);
    this.used.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

const FILE_KINDS: Readonly<Record<string, FileKind>> = { '.pem': 'certificates', '.crt': 'certificates', '.cer': 'certificates', '.ml': 'master-list', '.crl': 'crls' };

/**
 * Reads CSCA_TRUST_STORE_DIR (§6.7): `.pem`/`.crt`/`.cer` files hold one or more certificates,
 * PEM or DER; `.ml` files are ICAO master lists; `.crl` files hold one or more CRLs, PEM or DER.
 * Other files are skipped with one warning each. Anything that cannot be read is skipped with one
 * warning too (so one bad file does not take the service down at start-up), unless `strict`.
 * The counts of CSCAs and CRLs are logged. A missing directory yields an empty store, which fails
 * every verification with `trust_store_empty`.
 */
export function loadTrustStore(dir: string, log: TrustStoreLog, options: LoadOptions = {}): TrustStore {
  const problems: string[] = [];
  const problem = (message: string) => {
    problems.push(message);
    if (!options.strict) log(`CSCA trust store: skipping ${message}`, 'warn');
  };
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (error) {
    const message = `cannot read directory ${dir}: ${(error as Error).message}`;
    if (options.strict) throw new TrustStoreReadError([message]);
    log(`CSCA trust store: ${message}; the store is empty`, 'warn');
    return { certificates: [], crls: [] };
  }
  const certificates: ParsedCertificate[] = [];
  const crls: CrlCandidate[] = [];
  for (const entry of entries) {
    const path = join(dir, entry);
    const extension = extname(entry).toLowerCase();
    const kind = Object.hasOwn(FILE_KINDS, extension) ? FILE_KINDS[extension] : undefined;
    if (!kind) {
      log(`CSCA trust store: skipping ${entry}: not a .pem, .crt, .cer, .ml or .crl file`, 'warn');
      continue;
    }
    let bytes: Uint8Array;
    try {
      // A folder named like a certificate is a layout choice, not a read failure: skipped even by a reload.
      if (!statSync(path).isFile()) {
        log(`CSCA trust store: skipping ${entry}: not a regular file`, 'warn');
        continue;
      }
      bytes = new Uint8Array(readFileSync(path));
    } catch (error) {
      problem(`${entry}: ${(error as Error).message}`);
      continue;
    }
    const parse = () => parseFile(kind, bytes);
    const parsed = options.cache ? options.cache.lookup(`${kind}:${createHash('sha256').update(bytes).digest('hex')}`, parse) : parse();
    for (const { item, message } of parsed.problems) problem(item ? `${item} of ${entry}: ${message}` : `${entry}: ${message}`);
    certificates.push(...parsed.certificates);
    for (const { crl, index } of parsed.crls) crls.push({ crl, source: parsed.crlCount === 1 ? entry : `${entry} #${index + 1}` });
  }
  options.cache?.sweep();
  if (options.strict && problems.length > 0) throw new TrustStoreReadError(problems);
  const store = createTrustStore(certificates, crls, log);
  log(`CSCA trust store: loaded ${store.certificates.length} CSCA certificate(s) and ${store.crls.length} CRL(s) from ${dir}`);
  return store;
}

function parseFile(kind: FileKind, bytes: Uint8Array): ParsedFile {
  const parsed: ParsedFile = { certificates: [], crls: [], crlCount: 0, problems: [] };
  try {
    if (kind === 'crls') {
      const ders = crlFileContents(bytes);
      parsed.crlCount = ders.length;
      if (ders.length === 0) parsed.problems.push({ message: 'it holds no CRLs' });
      for (const [index, der] of ders.entries()) {
        try {
          parsed.crls.push({ crl: parseCrl(der), index });
        } catch (error) {
          parsed.problems.push({ item: `CRL ${index + 1}`, message: (error as Error).message });
        }
      }
      return parsed;
    }
    const ders = kind === 'certificates' ? certificateFileContents(bytes) : masterListCertificates(bytes);
    for (const [index, der] of ders.entries()) {
      try {
        parsed.certificates.push(parseCertificate(der));
      } catch (error) {
        parsed.problems.push({ item: `certificate ${index + 1}`, message: (error as Error).message });
      }
    }
    if (ders.length === 0) parsed.problems.push({ message: 'it holds no certificates' });
  } catch (error) {
    parsed.problems.push({ message: (error as Error).message });
  }
  return parsed;
}

function isPem(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 2048)).toString('latin1').includes('-----BEGIN');
}

/** PEM blocks, or one or more DER certificates back to back. */
function certificateFileContents(bytes: Uint8Array): Uint8Array[] {
  if (isPem(bytes)) return pemCertificates(Buffer.from(bytes).toString('latin1'));
  return derElements(bytes, 'DER certificate');
}

/** PEM blocks, or one or more DER CRLs back to back. */
function crlFileContents(bytes: Uint8Array): Uint8Array[] {
  if (isPem(bytes)) return pemCrls(Buffer.from(bytes).toString('latin1'));
  return derElements(bytes, 'DER CRL');
}

function derElements(bytes: Uint8Array, what: string): Uint8Array[] {
  const ders: Uint8Array[] = [];
  let rest = bytes;
  while (rest.byteLength > 0) {
    const raw = rawBytes(decodeElement(rest, what, true));
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
