import * as asn1js from 'asn1js';

/** A structural problem in DER/BER input; callers map it to the failure reason of their step. */
export class DerError extends Error {}

// Chip files come from untrusted clients: cap what asn1js will build so a hostile SOD cannot make
// the parser allocate without bound. SODs are a few KiB; master lists a few MiB.
const PARSE_LIMITS = { maxDepth: 32, maxNodes: 200_000, parseEmbedded: false } as const;

/**
 * Decodes one element. Trailing bytes are an error unless `allowTrailing`: only the outermost
 * element of a file read from a chip may carry padding after it.
 */
export function decodeElement(bytes: Uint8Array, what: string, allowTrailing = false): asn1js.AsnType {
  if (bytes.byteLength === 0) throw new DerError(`${what}: empty`);
  const { offset, result } = asn1js.fromBER(bytes, PARSE_LIMITS);
  if (offset === -1 || result.error) throw new DerError(`${what}: ${result.error || 'cannot be decoded'}`);
  if (!allowTrailing && offset !== bytes.byteLength) {
    throw new DerError(`${what}: ${bytes.byteLength - offset} unexpected trailing bytes`);
  }
  return result;
}

export function isUniversal(element: asn1js.AsnType | undefined, tagNumber: number): boolean {
  return element !== undefined && element.idBlock.tagClass === 1 && element.idBlock.tagNumber === tagNumber;
}

export function isContext(element: asn1js.AsnType | undefined, tagNumber: number): boolean {
  return element !== undefined && element.idBlock.tagClass === 3 && element.idBlock.tagNumber === tagNumber;
}

export const TAG = {
  BOOLEAN: 1,
  INTEGER: 2,
  BIT_STRING: 3,
  OCTET_STRING: 4,
  NULL: 5,
  OID: 6,
  SEQUENCE: 16,
  SET: 17,
  UTC_TIME: 23,
  GENERALIZED_TIME: 24,
} as const;

/** The children of a constructed element (any tag class). */
export function children(element: asn1js.AsnType | undefined, what: string): asn1js.AsnType[] {
  if (element === undefined || !element.idBlock.isConstructed) throw new DerError(`${what}: expected a constructed element`);
  return (element as asn1js.Constructed).valueBlock.value as asn1js.AsnType[];
}

export function sequence(element: asn1js.AsnType | undefined, what: string): asn1js.AsnType[] {
  if (!isUniversal(element, TAG.SEQUENCE)) throw new DerError(`${what}: expected a SEQUENCE`);
  return children(element, what);
}

export function set(element: asn1js.AsnType | undefined, what: string): asn1js.AsnType[] {
  if (!isUniversal(element, TAG.SET)) throw new DerError(`${what}: expected a SET`);
  return children(element, what);
}

export function oid(element: asn1js.AsnType | undefined, what: string): string {
  if (!isUniversal(element, TAG.OID) || !(element instanceof asn1js.ObjectIdentifier)) {
    throw new DerError(`${what}: expected an OBJECT IDENTIFIER`);
  }
  const value = element.getValue();
  if (!value) throw new DerError(`${what}: malformed OBJECT IDENTIFIER`);
  return value;
}

export function integer(element: asn1js.AsnType | undefined, what: string): bigint {
  if (!isUniversal(element, TAG.INTEGER) || !(element instanceof asn1js.Integer)) throw new DerError(`${what}: expected an INTEGER`);
  if (element.valueBlock.valueHexView.byteLength === 0) throw new DerError(`${what}: empty INTEGER`);
  return element.toBigInt();
}

export function boolean(element: asn1js.AsnType | undefined, what: string): boolean {
  if (!isUniversal(element, TAG.BOOLEAN) || !(element instanceof asn1js.Boolean)) throw new DerError(`${what}: expected a BOOLEAN`);
  return element.getValue();
}

/** OCTET STRING contents; a BER constructed OCTET STRING is concatenated. */
export function octets(element: asn1js.AsnType | undefined, what: string): Uint8Array {
  if (!isUniversal(element, TAG.OCTET_STRING) || !(element instanceof asn1js.OctetString)) {
    throw new DerError(`${what}: expected an OCTET STRING`);
  }
  return new Uint8Array(element.getValue());
}

/** Contents of a primitive element, whatever its tag (used for IMPLICIT tagged OCTET STRINGs). */
export function primitiveContents(element: asn1js.AsnType | undefined, what: string): Uint8Array {
  if (element === undefined || element.idBlock.isConstructed) throw new DerError(`${what}: expected a primitive element`);
  return new Uint8Array((element as asn1js.Primitive).valueBlock.valueHexView);
}

export function bitStringBytes(element: asn1js.AsnType | undefined, what: string): Uint8Array {
  if (!isUniversal(element, TAG.BIT_STRING) || !(element instanceof asn1js.BitString) || element.idBlock.isConstructed) {
    throw new DerError(`${what}: expected a primitive BIT STRING`);
  }
  if (element.valueBlock.unusedBits !== 0) throw new DerError(`${what}: BIT STRING with unused bits`);
  return new Uint8Array(element.valueBlock.valueHexView);
}

/** Whether the element is a UTCTime or a GeneralizedTime: what `time()` reads. */
export function isTime(element: asn1js.AsnType | undefined): boolean {
  return isUniversal(element, TAG.UTC_TIME) || isUniversal(element, TAG.GENERALIZED_TIME);
}

export function time(element: asn1js.AsnType | undefined, what: string): Date {
  if (
    (isUniversal(element, TAG.UTC_TIME) && element instanceof asn1js.UTCTime) ||
    (isUniversal(element, TAG.GENERALIZED_TIME) && element instanceof asn1js.GeneralizedTime)
  ) {
    const date = element.toDate();
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new DerError(`${what}: expected a UTCTime or GeneralizedTime`);
}

/** The exact bytes the element was decoded from (tag, length and contents). */
export function rawBytes(element: asn1js.AsnType): Uint8Array {
  return element.valueBeforeDecodeView;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
