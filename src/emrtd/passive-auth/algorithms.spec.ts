import { constants, generateKeyPairSync, sign } from 'node:crypto';
import * as asn1js from 'asn1js';
import { resolveSignatureScheme, verifySignature, type AlgorithmIdentifier } from './algorithms.js';

const DATA = new Uint8Array(Buffer.from('signed attributes'));

function params(schema: asn1js.AsnType): asn1js.AsnType {
  return asn1js.fromBER(schema.toBER()).result;
}

function explicit(tagNumber: number, value: asn1js.AsnType): asn1js.Constructed {
  return new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber }, value: [value] });
}

function hashAlgorithm(oid: string): asn1js.Sequence {
  return new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: oid })] });
}

const SHA256 = '2.16.840.1.101.3.4.2.1';
const SHA1 = '1.3.14.3.2.26';
const PSS = '1.2.840.113549.1.1.10';

describe('resolveSignatureScheme', () => {
  it.each([
    ['1.2.840.113549.1.1.14', { kind: 'rsa-pkcs1', hash: 'SHA-224' }],
    ['1.2.840.10045.4.3.4', { kind: 'ecdsa', hash: 'SHA-512', encoding: 'der' }],
    ['0.4.0.127.0.7.1.1.4.1.3', { kind: 'ecdsa', hash: 'SHA-256', encoding: 'ieee-p1363' }],
  ])('maps %s', (oid, scheme) => {
    expect(resolveSignatureScheme({ oid })).toEqual(scheme);
  });

  it('takes the hash of a bare key algorithm from the SignerInfo digest, and refuses it without one', () => {
    expect(resolveSignatureScheme({ oid: '1.2.840.113549.1.1.1' }, 'SHA-384')).toEqual({ kind: 'rsa-pkcs1', hash: 'SHA-384' });
    expect(resolveSignatureScheme({ oid: '1.2.840.10045.2.1' }, 'SHA-1')).toEqual({ kind: 'ecdsa', hash: 'SHA-1', encoding: 'der' });
    expect(resolveSignatureScheme({ oid: '1.2.840.113549.1.1.1' })).toEqual({ unsupported: expect.stringContaining('names no hash') });
  });

  it('applies the RFC 4055 defaults to empty RSASSA-PSS params', () => {
    const empty: AlgorithmIdentifier = { oid: PSS, params: params(new asn1js.Sequence({ value: [] })) };
    expect(resolveSignatureScheme(empty)).toEqual({ kind: 'rsa-pss', hash: 'SHA-1', saltLength: 20 });
    expect(resolveSignatureScheme({ oid: PSS })).toEqual({ kind: 'rsa-pss', hash: 'SHA-1', saltLength: 20 });
  });

  it('reads the hash and salt of RSASSA-PSS params', () => {
    const algorithm: AlgorithmIdentifier = {
      oid: PSS,
      params: params(
        new asn1js.Sequence({
          value: [
            explicit(0, hashAlgorithm(SHA256)),
            explicit(1, new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.1.8' }), hashAlgorithm(SHA256)] })),
            explicit(2, new asn1js.Integer({ value: 48 })),
          ],
        }),
      ),
    };
    expect(resolveSignatureScheme(algorithm)).toEqual({ kind: 'rsa-pss', hash: 'SHA-256', saltLength: 48 });
  });

  it('refuses RSASSA-PSS whose MGF1 hash differs from the signature hash', () => {
    const algorithm: AlgorithmIdentifier = {
      oid: PSS,
      params: params(new asn1js.Sequence({ value: [explicit(0, hashAlgorithm(SHA256))] })), // MGF1 stays SHA-1
    };
    expect(resolveSignatureScheme(algorithm)).toEqual({ unsupported: expect.stringContaining('MGF1 SHA-1 and hash SHA-256') });
  });

  it('refuses RSASSA-PSS params it cannot read', () => {
    expect(resolveSignatureScheme({ oid: PSS, params: params(hashAlgorithm(SHA1)) })).toEqual({ unsupported: expect.stringContaining('unknown field') });
    expect(resolveSignatureScheme({ oid: PSS, params: params(new asn1js.Integer({ value: 1 })) })).toEqual({
      unsupported: expect.stringContaining('malformed'),
    });
  });

  it('refuses anything else', () => {
    expect(resolveSignatureScheme({ oid: '1.2.840.10040.4.3' })).toEqual({ unsupported: expect.stringContaining('1.2.840.10040.4.3') });
  });
});

describe('verifySignature', () => {
  it.each(['named', 'explicit'] as const)('verifies ECDSA on brainpoolP256r1 with %s curve parameters', (paramEncoding) => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1', paramEncoding });
    const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    const der = new Uint8Array(sign('sha256', DATA, privateKey));
    const plain = new Uint8Array(sign('sha256', DATA, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
    expect(verifySignature(spki, { kind: 'ecdsa', hash: 'SHA-256', encoding: 'der' }, DATA, der)).toBeNull();
    expect(verifySignature(spki, { kind: 'ecdsa', hash: 'SHA-256', encoding: 'ieee-p1363' }, DATA, plain)).toBeNull();
    expect(verifySignature(spki, { kind: 'ecdsa', hash: 'SHA-256', encoding: 'der' }, DATA, plain)).toMatch(/does not verify/);
  });

  it('checks the PSS salt length it was given', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    const signature = new Uint8Array(sign('sha224', DATA, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 28 }));
    expect(verifySignature(spki, { kind: 'rsa-pss', hash: 'SHA-224', saltLength: 28 }, DATA, signature)).toBeNull();
    expect(verifySignature(spki, { kind: 'rsa-pss', hash: 'SHA-224', saltLength: 20 }, DATA, signature)).toMatch(/does not verify/);
    expect(verifySignature(spki, { kind: 'ecdsa', hash: 'SHA-224', encoding: 'der' }, DATA, signature)).toMatch(/a rsa key cannot check ECDSA/);
  });

  it('reports a public key it cannot import instead of throwing', () => {
    expect(verifySignature(new Uint8Array([0x30, 0x00]), { kind: 'rsa-pkcs1', hash: 'SHA-256' }, DATA, new Uint8Array(1))).toMatch(
      /cannot be imported/,
    );
  });
});
