import { generateKeyPairSync } from 'node:crypto';
import { bitLength, importsAsEncryptionKey, publicJwkProblem, toPublicJwk } from './public-jwk.js';

const rsaJwk = (modulusLength: number) => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength });
  return {
    publicJwk: publicKey.export({ format: 'jwk' }) as Record<string, unknown>,
    privateJwk: privateKey.export({ format: 'jwk' }) as Record<string, unknown>,
  };
};

describe('public RSA JWK checks (§5.8)', () => {
  const { publicJwk, privateJwk } = rsaJwk(2048);

  it('accepts a 2048-bit public key, with or without alg/use/kid', async () => {
    expect(publicJwkProblem(publicJwk)).toBeNull();
    const withMembers = { ...publicJwk, alg: 'RSA-OAEP-256', use: 'enc', kid: 'k1' };
    expect(publicJwkProblem(withMembers)).toBeNull();
    expect(Object.keys(toPublicJwk(withMembers))).toEqual(['kty', 'n', 'e', 'alg', 'use', 'kid']);
    expect(await importsAsEncryptionKey(toPublicJwk(withMembers))).toBe(true);
  });

  it('keeps only the public members', () => {
    expect(toPublicJwk({ ...publicJwk, ext: true, key_ops: ['encrypt'] })).toEqual({ kty: 'RSA', n: publicJwk.n, e: publicJwk.e });
  });

  it('refuses any private member', () => {
    expect(publicJwkProblem(privateJwk)).toMatch(/private member/);
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth']) {
      expect(publicJwkProblem({ ...publicJwk, [member]: 'AQAB' })).toContain(`\`${member}\``);
    }
  });

  it('refuses a modulus under 2048 bits', () => {
    expect(publicJwkProblem(rsaJwk(1024).publicJwk)).toMatch(/at least 2048 bits \(this one has 1024\)/);
  });

  it('refuses other key types, algorithms and uses', () => {
    expect(publicJwkProblem({ ...publicJwk, kty: 'EC' })).toMatch(/kty/);
    expect(publicJwkProblem({ ...publicJwk, alg: 'RSA-OAEP' })).toMatch(/alg/);
    expect(publicJwkProblem({ ...publicJwk, use: 'sig' })).toMatch(/use/);
    expect(publicJwkProblem({ ...publicJwk, kid: 7 })).toMatch(/kid/);
  });

  it('refuses non-objects and members that are not base64url', () => {
    for (const value of [null, 'jwk', 42, [publicJwk]]) expect(publicJwkProblem(value)).toMatch(/JSON object/);
    expect(publicJwkProblem({ kty: 'RSA', e: 'AQAB' })).toMatch(/jwk\.n/);
    expect(publicJwkProblem({ ...publicJwk, n: `${publicJwk.n as string}==` })).toMatch(/jwk\.n/);
    expect(publicJwkProblem({ ...publicJwk, e: '' })).toMatch(/jwk\.e/);
    for (const e of ['AA', 'AQ', 'Ag', 'AAE']) expect(publicJwkProblem({ ...publicJwk, e })).toMatch(/odd public exponent/);
    expect(publicJwkProblem({ ...publicJwk, e: 'Aw' })).toBeNull();
  });

  it('measures bit lengths ignoring leading zero bytes', () => {
    expect(bitLength(Uint8Array.from([0, 0, 1]))).toBe(1);
    expect(bitLength(Uint8Array.from([0x80, 0]))).toBe(16);
    expect(bitLength(Uint8Array.from([0, 0]))).toBe(0);
  });
});
