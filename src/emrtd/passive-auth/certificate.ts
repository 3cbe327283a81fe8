import type * as asn1js from 'asn1js';
import { parseAlgorithmIdentifier, type AlgorithmIdentifier } from './algorithms.js';
import {
  DerError,
  TAG,
  bitStringBytes,
  children,
  decodeElement,
  integer,
  isContext,
  isUniversal,
  oid,
  primitiveContents,
  rawBytes,
  sequence,
  set,
  time,
  toHex,
} from './der.js';
import { AUTHORITY_KEY_IDENTIFIER, SUBJECT_KEY_IDENTIFIER, authorityKeyIdentifierOf, explicitExtensions, subjectKeyIdentifierOf } from './extensions.js';

/** An X.509 certificate reduced to what passive authentication needs, with the exact DER kept. */
export interface ParsedCertificate {
  readonly der: Uint8Array;
  /** The DER of the TBSCertificate, which the issuer's signature covers. */
  readonly tbs: Uint8Array;
  readonly serialNumber: bigint;
  /** Lowercase hex of the serial number's two's-complement contents, as printed by openssl. */
  readonly serialHex: string;
  /** DER of the Name: chain matching compares these bytes (§6.7). */
  readonly issuerDer: Uint8Array;
  readonly subjectDer: Uint8Array;
  /** Human-readable forms for logs and results, e.g. `C=UT, O=Utopia, CN=CSCA`. */
  readonly issuer: string;
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly subjectKeyIdentifier?: Uint8Array;
  readonly authorityKeyIdentifier?: Uint8Array;
  /** DER SubjectPublicKeyInfo, as carried in the certificate. */
  readonly spki: Uint8Array;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signature: Uint8Array;
}

const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.42': 'GN',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** Parses one DER certificate; throws a DerError when it is not a well-formed X.509 certificate. */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  const certificate = decodeElement(der, 'Certificate');
  const [tbsElement, signatureAlgorithmElement, signatureElement, ...extra] = sequence(certificate, 'Certificate');
  if (extra.length > 0) throw new DerError('Certificate: too many elements');
  const tbsFields = sequence(tbsElement, 'TBSCertificate');
  let index = 0;
  if (isContext(tbsFields[0], 0)) index++; // explicit version
  const serialElement = tbsFields[index++];
  const serialNumber = integer(serialElement, 'serialNumber');
  parseAlgorithmIdentifier(tbsFields[index++], 'TBSCertificate signature');
  const issuerElement = tbsFields[index++];
  const validity = sequence(tbsFields[index++], 'Validity');
  const subjectElement = tbsFields[index++];
  const spkiElement = tbsFields[index++];
  sequence(spkiElement, 'SubjectPublicKeyInfo');
  let subjectKeyIdentifier: Uint8Array | undefined;
  let authorityKeyIdentifier: Uint8Array | undefined;
  for (const field of tbsFields.slice(index)) {
    if (!isContext(field, 3)) continue; // issuer/subject unique ids play no part here
    for (const extension of explicitExtensions(field, 'extensions')) {
      if (extension.id === SUBJECT_KEY_IDENTIFIER) subjectKeyIdentifier = subjectKeyIdentifierOf(extension);
      else if (extension.id === AUTHORITY_KEY_IDENTIFIER) authorityKeyIdentifier = authorityKeyIdentifierOf(extension);
    }
  }
  return {
    der: rawBytes(certificate),
    tbs: rawBytes(tbsElement),
    serialNumber,
    serialHex: toHex(primitiveContents(serialElement, 'serialNumber')),
    issuerDer: rawBytes(nameElement(issuerElement, 'issuer')),
    subjectDer: rawBytes(nameElement(subjectElement, 'subject')),
    issuer: formatName(issuerElement),
    subject: formatName(subjectElement),
    notBefore: time(validity[0], 'notBefore'),
    notAfter: time(validity[1], 'notAfter'),
    subjectKeyIdentifier,
    authorityKeyIdentifier,
    spki: rawBytes(spkiElement),
    signatureAlgorithm: parseAlgorithmIdentifier(signatureAlgorithmElement, 'signatureAlgorithm'),
    signature: bitStringBytes(signatureElement, 'signatureValue'),
  };
}

function nameElement(element: asn1js.AsnType | undefined, what: string): asn1js.AsnType {
  for (const rdn of sequence(element, what)) {
    for (const attribute of set(rdn, `${what} RDN`)) oid(sequence(attribute, `${what} attribute`)[0], `${what} type`);
  }
  return element!;
}

/** Renders a Name for people; matching never uses this form. */
export function formatName(element: asn1js.AsnType | undefined): string {
  const parts: string[] = [];
  for (const rdn of children(element, 'Name')) {
    for (const attribute of children(rdn, 'RDN')) {
      const [typeElement, valueElement] = children(attribute, 'AttributeTypeAndValue');
      const type = oid(typeElement, 'attribute type');
      const label = Object.hasOwn(ATTRIBUTE_NAMES, type) ? ATTRIBUTE_NAMES[type] : type;
      parts.push(`${label}=${attributeValueText(valueElement)}`);
    }
  }
  return parts.join(', ');
}

function attributeValueText(element: asn1js.AsnType | undefined): string {
  const candidate = element as { getValue?: () => unknown } | undefined;
  if (candidate && typeof candidate.getValue === 'function' && !isUniversal(element, TAG.OCTET_STRING)) {
    const value = candidate.getValue();
    if (typeof value === 'string') return value;
  }
  return element ? `#${toHex(rawBytes(element))}` : '';
}

const PEM_CERTIFICATE = /-----BEGIN (?:X509 )?CERTIFICATE-----([\s\S]*?)-----END (?:X509 )?CERTIFICATE-----/g;

/** The DER bodies of every CERTIFICATE block in a PEM text. */
export function pemCertificates(text: string): Uint8Array[] {
  return [...text.matchAll(PEM_CERTIFICATE)].map((match) => new Uint8Array(Buffer.from(match[1].replace(/\s+/g, ''), 'base64')));
}

export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const body = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

export function isWithinValidity(certificate: ParsedCertificate, now: Date): 'valid' | 'not_yet_valid' | 'expired' {
  if (now.getTime() < certificate.notBefore.getTime()) return 'not_yet_valid';
  if (now.getTime() > certificate.notAfter.getTime()) return 'expired';
  return 'valid';
}
