import { constants, createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type * as asn1js from 'asn1js';
import { DerError, TAG, children, integer, isContext, isUniversal, oid, sequence } from './der.js';

export type DigestAlgorithm = 'SHA-1' | 'SHA-224' | 'SHA-256' | 'SHA-384' | 'SHA-512';

const DIGEST_BY_OID: Readonly<Record<string, DigestAlgorithm>> = {
  '1.3.14.3.2.26': 'SHA-1',
  '2.16.840.1.101.3.4.2.4': 'SHA-224',
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};

const NODE_HASH: Readonly<Record<DigestAlgorithm, string>> = {
  'SHA-1': 'sha1',
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

export function digestAlgorithmByOid(algorithmOid: string): DigestAlgorithm | undefined {
  return Object.hasOwn(DIGEST_BY_OID, algorithmOid) ? DIGEST_BY_OID[algorithmOid] : undefined;
}

export function digest(algorithm: DigestAlgorithm, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(NODE_HASH[algorithm]).update(data).digest());
}

export interface AlgorithmIdentifier {
  oid: string;
  /** The parameters element, absent when the encoding omits it. */
  params?: asn1js.AsnType;
}

export function parseAlgorithmIdentifier(element: asn1js.AsnType | undefined, what: string): AlgorithmIdentifier {
  const [algorithm, params, ...rest] = sequence(element, what);
  if (rest.length > 0) throw new DerError(`${what}: too many elements`);
  return { oid: oid(algorithm, `${what} algorithm`), params };
}

export type SignatureScheme =
  | { kind: 'rsa-pkcs1'; hash: DigestAlgorithm }
  | { kind: 'rsa-pss'; hash: DigestAlgorithm; saltLength: number }
  | { kind: 'ecdsa'; hash: DigestAlgorithm; encoding: 'der' | 'ieee-p1363' };

const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const RSASSA_PSS = '1.2.840.113549.1.1.10';
const MGF1 = '1.2.840.113549.1.1.8';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';

const RSA_PKCS1_WITH: Readonly<Record<string, DigestAlgorithm>> = {
  '1.2.840.113549.1.1.5': 'SHA-1',
  '1.2.840.113549.1.1.14': 'SHA-224',
  '1.2.840.113549.1.1.11': 'SHA-256',
  '1.2.840.113549.1.1.12': 'SHA-384',
  '1.2.840.113549.1.1.13': 'SHA-512',
};

const ECDSA_WITH: Readonly<Record<string, DigestAlgorithm>> = {
  '1.2.840.10045.4.1': 'SHA-1',
  '1.2.840.10045.4.3.1': 'SHA-224',
  '1.2.840.10045.4.3.2': 'SHA-256',
  '1.2.840.10045.4.3.3': 'SHA-384',
  '1.2.840.10045.4.3.4': 'SHA-512',
};

// BSI TR-03111 "ecdsa-plain-*": r||s instead of a DER SEQUENCE. Some issuers use it in SODs.
const ECDSA_PLAIN_WITH: Readonly<Record<string, DigestAlgorithm>> = {
  '0.4.0.127.0.7.1.1.4.1.1': 'SHA-1',
  '0.4.0.127.0.7.1.1.4.1.2': 'SHA-224',
  '0.4.0.127.0.7.1.1.4.1.3': 'SHA-256',
  '0.4.0.127.0.7.1.1.4.1.4': 'SHA-384',
  '0.4.0.127.0.7.1.1.4.1.5': 'SHA-512',
};

export function describeScheme(scheme: SignatureScheme): string {
  switch (scheme.kind) {
    case 'rsa-pkcs1':
      return `RSASSA-PKCS1-v1_5 with ${scheme.hash}`;
    case 'rsa-pss':
      return `RSASSA-PSS with ${scheme.hash} (salt ${scheme.saltLength})`;
    case 'ecdsa':
      return `ECDSA with ${scheme.hash}${scheme.encoding === 'ieee-p1363' ? ' (plain)' : ''}`;
  }
}

function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * Maps a signature AlgorithmIdentifier to a scheme, or returns why it is not supported.
 * `digestForBareKeyAlgorithm` is the CMS SignerInfo digestAlgorithm: SODs in the field often name
 * only the key algorithm (rsaEncryption, ecPublicKey) and leave the hash to the digestAlgorithm.
 * Certificates pass nothing, since a certificate signature must name its hash.
 */
export function resolveSignatureScheme(
  algorithm: AlgorithmIdentifier,
  digestForBareKeyAlgorithm?: DigestAlgorithm,
): SignatureScheme | { unsupported: string } {
  const pkcs1Hash = lookup(RSA_PKCS1_WITH, algorithm.oid);
  if (pkcs1Hash) return { kind: 'rsa-pkcs1', hash: pkcs1Hash };
  const ecdsaHash = lookup(ECDSA_WITH, algorithm.oid);
  if (ecdsaHash) return { kind: 'ecdsa', hash: ecdsaHash, encoding: 'der' };
  const plainHash = lookup(ECDSA_PLAIN_WITH, algorithm.oid);
  if (plainHash) return { kind: 'ecdsa', hash: plainHash, encoding: 'ieee-p1363' };
  if (algorithm.oid === RSASSA_PSS) return parsePssParams(algorithm.params);
  if (algorithm.oid === RSA_ENCRYPTION || algorithm.oid === EC_PUBLIC_KEY) {
    if (!digestForBareKeyAlgorithm) return { unsupported: `${algorithm.oid} names no hash algorithm` };
    return algorithm.oid === RSA_ENCRYPTION
      ? { kind: 'rsa-pkcs1', hash: digestForBareKeyAlgorithm }
      : { kind: 'ecdsa', hash: digestForBareKeyAlgorithm, encoding: 'der' };
  }
  return { unsupported: `signature algorithm ${algorithm.oid} is not supported` };
}

/**
 * RSASSA-PSS-params (RFC 4055): every field has a default (SHA-1, MGF1 with SHA-1, salt 20,
 * trailer 1), so an absent or empty parameter block is legal.
 */
function parsePssParams(params: asn1js.AsnType | undefined): SignatureScheme | { unsupported: string } {
  let hash: DigestAlgorithm | undefined = 'SHA-1';
  let mgfHash: DigestAlgorithm | undefined = 'SHA-1';
  let saltLength = 20;
  try {
    const fields = params === undefined || isUniversal(params, TAG.NULL) ? [] : sequence(params, 'RSASSA-PSS params');
    for (const field of fields) {
      if (isContext(field, 0)) {
        const hashAlgorithm = parseAlgorithmIdentifier(children(field, 'PSS hashAlgorithm')[0], 'PSS hashAlgorithm');
        hash = digestAlgorithmByOid(hashAlgorithm.oid);
        if (!hash) return { unsupported: `RSASSA-PSS hash ${hashAlgorithm.oid} is not supported` };
      } else if (isContext(field, 1)) {
        const mgf = parseAlgorithmIdentifier(children(field, 'PSS maskGenAlgorithm')[0], 'PSS maskGenAlgorithm');
        if (mgf.oid !== MGF1) return { unsupported: `RSASSA-PSS mask generation ${mgf.oid} is not supported` };
        const mgfDigest = parseAlgorithmIdentifier(mgf.params, 'MGF1 hash');
        mgfHash = digestAlgorithmByOid(mgfDigest.oid);
        if (!mgfHash) return { unsupported: `MGF1 hash ${mgfDigest.oid} is not supported` };
      } else if (isContext(field, 2)) {
        const salt = integer(children(field, 'PSS saltLength')[0], 'PSS saltLength');
        if (salt < 0n || salt > 1024n) return { unsupported: `RSASSA-PSS salt length ${salt} is out of range` };
        saltLength = Number(salt);
      } else if (isContext(field, 3)) {
        const trailer = integer(children(field, 'PSS trailerField')[0], 'PSS trailerField');
        if (trailer !== 1n) return { unsupported: `RSASSA-PSS trailer field ${trailer} is not supported` };
      } else {
        return { unsupported: 'RSASSA-PSS params hold an unknown field' };
      }
    }
  } catch (error) {
    return { unsupported: `RSASSA-PSS params are malformed: ${(error as Error).message}` };
  }
  // node:crypto (OpenSSL) always uses the signature hash for MGF1 when verifying.
  if (mgfHash !== hash) return { unsupported: `RSASSA-PSS with MGF1 ${mgfHash} and hash ${hash} is not supported` };
  return { kind: 'rsa-pss', hash, saltLength };
}

export function publicKeyFromSpki(spki: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
}

/** Verifies a signature; returns null when it holds, otherwise why not. Never throws. */
export function verifySignature(
  spki: Uint8Array,
  scheme: SignatureScheme,
  data: Uint8Array,
  signature: Uint8Array,
): string | null {
  let key: KeyObject;
  try {
    key = publicKeyFromSpki(spki);
  } catch (error) {
    return `public key cannot be imported: ${(error as Error).message}`;
  }
  const keyType = key.asymmetricKeyType;
  const fitsRsa = keyType === 'rsa' || keyType === 'rsa-pss';
  if (scheme.kind === 'ecdsa' ? keyType !== 'ec' : !fitsRsa) {
    return `a ${keyType ?? 'unknown'} key cannot check ${describeScheme(scheme)}`;
  }
  const hash = NODE_HASH[scheme.hash];
  try {
    let valid: boolean;
    switch (scheme.kind) {
      case 'rsa-pkcs1':
        valid = verify(hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
        break;
      case 'rsa-pss':
        valid = verify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.saltLength }, signature);
        break;
      case 'ecdsa':
        valid = verify(hash, data, { key, dsaEncoding: scheme.encoding }, signature);
        break;
    }
    return valid ? null : `${describeScheme(scheme)} signature does not verify`;
  } catch (error) {
    // OpenSSL throws rather than returning false for some malformed signatures.
    return `${describeScheme(scheme)} signature does not verify: ${(error as Error).message}`;
  }
}
