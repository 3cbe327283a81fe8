import { createHash } from 'node:crypto';
import { parseAlgorithmIdentifier, type AlgorithmIdentifier } from './algorithms.js';
import { formatName } from './certificate.js';
import {
  DerError,
  TAG,
  bitStringBytes,
  decodeElement,
  integer,
  isContext,
  isTime,
  isUniversal,
  rawBytes,
  sequence,
  time,
} from './der.js';
import { AUTHORITY_KEY_IDENTIFIER, authorityKeyIdentifierOf, explicitExtensions, extensionsOf } from './extensions.js';

/** An X.509 v2 CRL (RFC 5280 §5) reduced to what the revocation check of §6.7 needs. */
export interface ParsedCrl {
  readonly der: Uint8Array;
  /** SHA-256 of the DER, lowercase hex: names the CRL in logs and in the once-an-hour warnings. */
  readonly fingerprint: string;
  /** The DER of the TBSCertList, which the issuer's signature covers. */
  readonly tbs: Uint8Array;
  /** DER of the issuer Name: matched byte for byte against CSCA subjects, as for certificates. */
  readonly issuerDer: Uint8Array;
  readonly issuer: string;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  /** The cRLNumber extension (2.5.29.20), when present. */
  readonly crlNumber?: bigint;
  readonly authorityKeyIdentifier?: Uint8Array;
  /** Serial numbers of the revoked certificates; the revocation dates play no part (§6.7). */
  readonly revokedSerials: ReadonlySet<bigint>;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signature: Uint8Array;
}

const CRL_NUMBER = '2.5.29.20';
const DELTA_CRL_INDICATOR = '2.5.29.27';
const ISSUING_DISTRIBUTION_POINT = '2.5.29.28';
/** Critical CRL extensions whose meaning does not change which serials are revoked for a CSCA. */
const UNDERSTOOD_CRITICAL = new Set([CRL_NUMBER, AUTHORITY_KEY_IDENTIFIER, ISSUING_DISTRIBUTION_POINT]);

/**
 * Parses one DER CRL; throws a DerError when it is not a complete CRL this check can rely on.
 * A delta CRL, or one with a critical extension we do not understand, is refused rather than
 * read as a full list (RFC 5280 §5.2: a critical extension that cannot be processed voids the CRL).
 */
export function parseCrl(der: Uint8Array): ParsedCrl {
  const element = decodeElement(der, 'CertificateList');
  const [tbsElement, algorithmElement, signatureElement, ...extra] = sequence(element, 'CertificateList');
  if (extra.length > 0) throw new DerError('CertificateList: too many elements');
  // TBSCertList (RFC 5280 §5.1): version?, signature, issuer, thisUpdate, nextUpdate?,
  // revokedCertificates?, [0] crlExtensions?
  const fields = sequence(tbsElement, 'TBSCertList');
  let index = 0;
  if (isUniversal(fields[index], TAG.INTEGER)) integer(fields[index++], 'version');
  parseAlgorithmIdentifier(fields[index++], 'TBSCertList signature');
  const issuerElement = fields[index++];
  sequence(issuerElement, 'issuer');
  const thisUpdate = time(fields[index++], 'thisUpdate');
  const nextUpdate = isTime(fields[index]) ? time(fields[index++], 'nextUpdate') : undefined;
  const revokedSerials = new Set<bigint>();
  if (isUniversal(fields[index], TAG.SEQUENCE)) {
    for (const entry of sequence(fields[index++], 'revokedCertificates')) {
      const [serial, revocationDate, entryExtensions, ...more] = sequence(entry, 'revokedCertificate');
      if (more.length > 0) throw new DerError('revokedCertificate: too many elements');
      revokedSerials.add(integer(serial, 'userCertificate'));
      // The revocation date plays no part (§6.7), but it must be there.
      time(revocationDate, 'revocationDate');
      // RFC 5280 §5.3: a critical entry extension that cannot be processed (certificateIssuer,
      // of an indirect CRL, changes whose serial this is) voids the CRL.
      for (const extension of entryExtensions ? extensionsOf(entryExtensions, 'crlEntryExtensions') : []) {
        if (extension.critical) throw new DerError(`unsupported critical entry extension ${extension.id}`);
      }
    }
  }
  const extensions = isContext(fields[index], 0) ? explicitExtensions(fields[index++], 'crlExtensions') : [];
  if (index !== fields.length) throw new DerError('TBSCertList: unexpected elements');

  let crlNumber: bigint | undefined;
  let authorityKeyIdentifier: Uint8Array | undefined;
  for (const extension of extensions) {
    const value = () => decodeElement(extension.value, extension.id);
    if (extension.id === DELTA_CRL_INDICATOR) throw new DerError('a delta CRL; only complete CRLs are read');
    if (extension.id === CRL_NUMBER) {
      crlNumber = integer(value(), 'cRLNumber');
    } else if (extension.id === AUTHORITY_KEY_IDENTIFIER) {
      authorityKeyIdentifier = authorityKeyIdentifierOf(extension);
    } else if (extension.critical && !UNDERSTOOD_CRITICAL.has(extension.id)) {
      throw new DerError(`unsupported critical extension ${extension.id}`);
    }
  }
  const ownDer = rawBytes(element);
  return {
    der: ownDer,
    fingerprint: createHash('sha256').update(ownDer).digest('hex'),
    tbs: rawBytes(tbsElement),
    issuerDer: rawBytes(issuerElement),
    issuer: formatName(issuerElement),
    thisUpdate,
    nextUpdate,
    crlNumber,
    authorityKeyIdentifier,
    revokedSerials,
    signatureAlgorithm: parseAlgorithmIdentifier(algorithmElement, 'signatureAlgorithm'),
    signature: bitStringBytes(signatureElement, 'signatureValue'),
  };
}

const PEM_CRL = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/g;

/** The DER bodies of every X509 CRL block in a PEM text. */
export function pemCrls(text: string): Uint8Array[] {
  return [...text.matchAll(PEM_CRL)].map((match) => new Uint8Array(Buffer.from(match[1].replace(/\s+/g, ''), 'base64')));
}

/**
 * Of several valid CRLs from one CSCA, the one that decides (§6.7): the highest CRL number,
 * else the latest thisUpdate. Numbers are compared only when both CRLs carry one.
 */
export function decidingCrl<T extends Pick<ParsedCrl, 'crlNumber' | 'thisUpdate'>>(crls: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const crl of crls) {
    if (!best) {
      best = crl;
      continue;
    }
    const byNumber = crl.crlNumber !== undefined && best.crlNumber !== undefined ? Number(crl.crlNumber > best.crlNumber) - Number(crl.crlNumber < best.crlNumber) : 0;
    if (byNumber > 0 || (byNumber === 0 && crl.thisUpdate.getTime() > best.thisUpdate.getTime())) best = crl;
  }
  return best;
}

const HOUR_MS = 60 * 60 * 1000;

/** Remembers when each stale CRL was last warned about, so `soft` warns once per CRL per hour (§6.7). */
export class StaleCrlWarnings {
  private readonly lastWarned = new Map<string, number>();

  /** True when a warning about this CRL is due at `now`, and records it. */
  due(fingerprint: string, now: Date): boolean {
    const last = this.lastWarned.get(fingerprint);
    if (last !== undefined && now.getTime() - last < HOUR_MS) return false;
    this.lastWarned.set(fingerprint, now.getTime());
    return true;
  }
}
