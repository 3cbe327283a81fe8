import { parseAlgorithmIdentifier, type AlgorithmIdentifier } from './algorithms.js';
import { DerError, decodeElement, integer, octets, sequence } from './der.js';

export const OID_LDS_SECURITY_OBJECT = '2.23.136.1.1.1';

export interface LdsSecurityObject {
  version: bigint;
  hashAlgorithm: AlgorithmIdentifier;
  /** Data group number → stored hash. */
  dataGroupHashes: Map<number, Uint8Array>;
}

/**
 * ICAO 9303-10 LDSSecurityObject ::= SEQUENCE { version INTEGER (v0 | v1), hashAlgorithm,
 * dataGroupHashValues SEQUENCE SIZE (2..16) OF DataGroupHash, ldsVersionInfo OPTIONAL }.
 */
export function parseLdsSecurityObject(bytes: Uint8Array): LdsSecurityObject {
  const fields = sequence(decodeElement(bytes, 'LDSSecurityObject'), 'LDSSecurityObject');
  if (fields.length < 3 || fields.length > 4) throw new DerError('LDSSecurityObject: expected 3 or 4 elements');
  const version = integer(fields[0], 'LDSSecurityObject version');
  if (version !== 0n && version !== 1n) throw new DerError(`LDSSecurityObject: unknown version ${version}`);
  const hashAlgorithm = parseAlgorithmIdentifier(fields[1], 'hashAlgorithm');
  const dataGroupHashes = new Map<number, Uint8Array>();
  for (const entry of sequence(fields[2], 'dataGroupHashValues')) {
    const [numberElement, hashElement, ...extra] = sequence(entry, 'DataGroupHash');
    if (extra.length > 0) throw new DerError('DataGroupHash: too many elements');
    const number = integer(numberElement, 'dataGroupNumber');
    if (number < 1n || number > 16n) throw new DerError(`DataGroupHash: data group ${number} is out of range`);
    // Two values for one data group would make "the stored value" ambiguous.
    if (dataGroupHashes.has(Number(number))) throw new DerError(`DataGroupHash: data group ${number} appears twice`);
    dataGroupHashes.set(Number(number), octets(hashElement, 'dataGroupHashValue'));
  }
  return { version, hashAlgorithm, dataGroupHashes };
}
