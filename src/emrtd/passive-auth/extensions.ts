import type * as asn1js from 'asn1js';
import { DerError, boolean, children, decodeElement, isContext, octets, oid, primitiveContents, sequence } from './der.js';

export const SUBJECT_KEY_IDENTIFIER = '2.5.29.14';
export const AUTHORITY_KEY_IDENTIFIER = '2.5.29.35';

export interface ParsedExtension {
  id: string;
  critical: boolean;
  /** The contents of extnValue: the DER of the extension's own value. */
  value: Uint8Array;
}

/**
 * The `[n] EXPLICIT Extensions` field of a TBSCertificate ([3]) or a TBSCertList ([0]):
 * Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension { extnID, critical DEFAULT FALSE, extnValue }.
 * Certificates and CRLs are read by this one parser, so both refuse the same malformed input.
 */
export function explicitExtensions(field: asn1js.AsnType, what: string): ParsedExtension[] {
  const wrapped = children(field, what);
  if (wrapped.length !== 1) throw new DerError(`${what}: expected one Extensions`);
  return extensionsOf(wrapped[0], what);
}

/** A bare Extensions (a CRL entry's crlEntryExtensions is not wrapped). */
export function extensionsOf(element: asn1js.AsnType, what: string): ParsedExtension[] {
  const list = sequence(element, what);
  if (list.length === 0) throw new DerError(`${what}: empty Extensions`);
  return list.map((extension) => {
    const [idElement, ...rest] = sequence(extension, 'Extension');
    if (rest.length < 1 || rest.length > 2) throw new DerError('Extension: expected extnID, critical?, extnValue');
    return {
      id: oid(idElement, 'extnID'),
      critical: rest.length === 2 ? boolean(rest[0], 'critical') : false,
      value: octets(rest[rest.length - 1], 'extnValue'),
    };
  });
}

/** The keyIdentifier ([0]) of an AuthorityKeyIdentifier extension's value, if it has one. */
export function authorityKeyIdentifierOf(extension: ParsedExtension): Uint8Array | undefined {
  const keyIdentifier = sequence(decodeElement(extension.value, 'AuthorityKeyIdentifier'), 'AuthorityKeyIdentifier').find((item) => isContext(item, 0));
  return keyIdentifier ? primitiveContents(keyIdentifier, 'AKI keyIdentifier') : undefined;
}

/** A SubjectKeyIdentifier extension's value: KeyIdentifier ::= OCTET STRING. */
export function subjectKeyIdentifierOf(extension: ParsedExtension): Uint8Array {
  return octets(decodeElement(extension.value, 'SubjectKeyIdentifier'), 'SKI');
}
