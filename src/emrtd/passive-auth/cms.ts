import type * as asn1js from 'asn1js';
import { parseAlgorithmIdentifier, type AlgorithmIdentifier } from './algorithms.js';
import {
  DerError,
  TAG,
  children,
  decodeElement,
  integer,
  isContext,
  isUniversal,
  octets,
  oid,
  primitiveContents,
  rawBytes,
  sequence,
  set,
} from './der.js';

export const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
export const OID_CONTENT_TYPE_ATTRIBUTE = '1.2.840.113549.1.9.3';
export const OID_MESSAGE_DIGEST_ATTRIBUTE = '1.2.840.113549.1.9.4';

export type SignerIdentifier =
  | { kind: 'issuerAndSerialNumber'; issuerDer: Uint8Array; serialNumber: bigint }
  | { kind: 'subjectKeyIdentifier'; keyIdentifier: Uint8Array };

export interface CmsAttribute {
  type: string;
  values: asn1js.AsnType[];
}

export interface SignerInfo {
  sid: SignerIdentifier;
  digestAlgorithm: AlgorithmIdentifier;
  signedAttributes?: {
    /** The DER the signature covers: the [0] IMPLICIT field re-tagged as a SET (0x31), RFC 5652 §5.4. */
    signedBytes: Uint8Array;
    attributes: CmsAttribute[];
  };
  signatureAlgorithm: AlgorithmIdentifier;
  signature: Uint8Array;
}

export interface SignedData {
  eContentType: string;
  /** The contents of the eContent OCTET STRING, absent for detached signatures. */
  eContent?: Uint8Array;
  /** Raw DER of each X.509 certificate in `certificates`; other certificate choices are dropped. */
  certificates: Uint8Array[];
  signerInfos: SignerInfo[];
}

/** Why a ContentInfo could not be read as SignedData. */
export class CmsError extends Error {
  constructor(
    readonly kind: 'unparseable' | 'not_signed_data',
    message: string,
  ) {
    super(message);
  }
}

/** Parses a DER ContentInfo that must hold SignedData (RFC 5652). Bytes after it are ignored. */
export function parseSignedDataContentInfo(bytes: Uint8Array): SignedData {
  let contentType: string;
  let content: asn1js.AsnType | undefined;
  try {
    const [typeElement, explicitContent] = sequence(decodeElement(bytes, 'ContentInfo', true), 'ContentInfo');
    contentType = oid(typeElement, 'contentType');
    if (!isContext(explicitContent, 0)) throw new DerError('ContentInfo: content [0] is missing');
    content = children(explicitContent, 'content')[0];
  } catch (error) {
    throw new CmsError('unparseable', (error as Error).message);
  }
  if (contentType !== OID_SIGNED_DATA) throw new CmsError('not_signed_data', `contentType is ${contentType}, not SignedData`);
  try {
    return parseSignedData(content);
  } catch (error) {
    throw new CmsError('unparseable', (error as Error).message);
  }
}

function parseSignedData(element: asn1js.AsnType | undefined): SignedData {
  const fields = sequence(element, 'SignedData');
  integer(fields[0], 'SignedData version');
  set(fields[1], 'digestAlgorithms');
  const [typeElement, explicitContent, ...extra] = sequence(fields[2], 'EncapsulatedContentInfo');
  if (extra.length > 0) throw new DerError('EncapsulatedContentInfo: too many elements');
  const eContentType = oid(typeElement, 'eContentType');
  let eContent: Uint8Array | undefined;
  if (explicitContent !== undefined) {
    if (!isContext(explicitContent, 0)) throw new DerError('EncapsulatedContentInfo: eContent must be [0]');
    eContent = octets(children(explicitContent, 'eContent')[0], 'eContent');
  }
  const certificates: Uint8Array[] = [];
  let index = 3;
  if (isContext(fields[index], 0)) {
    for (const item of children(fields[index], 'certificates')) {
      if (isUniversal(item, TAG.SEQUENCE)) certificates.push(rawBytes(item));
    }
    index++;
  }
  if (isContext(fields[index], 1)) index++; // CRLs are not checked in this version (§6.7)
  const signerInfos = set(fields[index], 'signerInfos').map(parseSignerInfo);
  if (fields.length !== index + 1) throw new DerError('SignedData: unexpected trailing elements');
  return { eContentType, eContent, certificates, signerInfos };
}

function parseSignerInfo(element: asn1js.AsnType): SignerInfo {
  const fields = sequence(element, 'SignerInfo');
  integer(fields[0], 'SignerInfo version');
  const sid = parseSignerIdentifier(fields[1]);
  const digestAlgorithm = parseAlgorithmIdentifier(fields[2], 'SignerInfo digestAlgorithm');
  let index = 3;
  let signedAttributes: SignerInfo['signedAttributes'];
  if (isContext(fields[index], 0)) {
    const signedBytes = new Uint8Array(rawBytes(fields[index]));
    signedBytes[0] = 0x31;
    signedAttributes = { signedBytes, attributes: children(fields[index], 'signedAttrs').map(parseAttribute) };
    index++;
  }
  const signatureAlgorithm = parseAlgorithmIdentifier(fields[index++], 'SignerInfo signatureAlgorithm');
  const signature = octets(fields[index++], 'SignerInfo signature');
  if (isContext(fields[index], 1)) index++; // unsigned attributes carry nothing we check
  if (fields.length !== index) throw new DerError('SignerInfo: unexpected trailing elements');
  return { sid, digestAlgorithm, signedAttributes, signatureAlgorithm, signature };
}

function parseSignerIdentifier(element: asn1js.AsnType | undefined): SignerIdentifier {
  if (isContext(element, 0)) {
    return { kind: 'subjectKeyIdentifier', keyIdentifier: primitiveContents(element, 'subjectKeyIdentifier') };
  }
  const [issuer, serial] = sequence(element, 'IssuerAndSerialNumber');
  sequence(issuer, 'IssuerAndSerialNumber issuer');
  return { kind: 'issuerAndSerialNumber', issuerDer: rawBytes(issuer!), serialNumber: integer(serial, 'serialNumber') };
}

function parseAttribute(element: asn1js.AsnType): CmsAttribute {
  const [typeElement, valuesElement] = sequence(element, 'Attribute');
  return { type: oid(typeElement, 'Attribute type'), values: set(valuesElement, 'Attribute values') };
}
