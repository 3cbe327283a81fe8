import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import fc from 'fast-check';
import {
  buildCrl,
  generateCrl,
  generateCsca,
  generatePassportFixture,
  generateTamperedVariants,
  type FixtureCsca,
  type FixtureDigest,
  type SignerAlgorithm,
  type TamperedVariantSet,
} from '../testing/index.js';
import { buildCertificate, fixtureKeyPair, keyIdentifierOf, subjectNameDer } from '../testing/pki.js';
import { buildLdsSecurityObject } from '../testing/sod.js';
import { parseCertificate } from './certificate.js';
import { parseCrl } from './crl.js';
import {
  PASSIVE_AUTH_FAILURES,
  passiveAuthenticate,
  unwrapSod,
  type PassiveAuthFailure,
  type PassiveAuthInput,
  type PassiveAuthResult,
} from './passive-auth.js';
import { createTrustStore, type TrustStore } from './trust-store.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-11-26T10:00:00.000Z');

const seenFailures = new Set<PassiveAuthFailure>();

async function authenticate(input: PassiveAuthInput): Promise<PassiveAuthResult> {
  const result = await passiveAuthenticate(input);
  if (!result.ok) seenFailures.add(result.reason);
  return result;
}

function storeOf(...cscas: FixtureCsca[]): TrustStore {
  return createTrustStore(cscas.map((csca) => parseCertificate(csca.certDer)));
}

/** A store of these CSCAs and CRLs (DER); a CRL no CSCA verifies is skipped, as when loading. */
function storeWithCrls(cscas: FixtureCsca[], crls: Uint8Array[], log?: (message: string) => void): TrustStore {
  return createTrustStore(
    cscas.map((item) => parseCertificate(item.certDer)),
    crls.map((der, index) => ({ crl: parseCrl(der), source: `test-${index + 1}.crl` })),
    log,
  );
}

function failureOf(result: PassiveAuthResult): PassiveAuthFailure | 'ok' {
  return result.ok ? 'ok' : result.reason;
}

let csca: FixtureCsca;
let trustStore: TrustStore;

beforeAll(async () => {
  csca = await generateCsca({ now: NOW });
  trustStore = storeOf(csca);
});

describe('passiveAuthenticate on valid passports', () => {
  const cases: Array<[SignerAlgorithm, FixtureDigest]> = [];
  for (const signer of ['rsa', 'rsa-pss', 'ecdsa'] as const) {
    for (const digest of ['SHA-1', 'SHA-256', 'SHA-512'] as const) cases.push([signer, digest]);
  }
  cases.push(['rsa', 'SHA-224'], ['ecdsa', 'SHA-384'], ['rsa-pss', 'SHA-384']);

  it.each(cases)('accepts an SOD signed with %s and %s', async (signer, digest) => {
    const fixture = await generatePassportFixture({ signer, digest, csca, now: NOW });
    const result = await authenticate({ ...fixture, trustStore, now: NOW });
    expect(result).toMatchObject({
      ok: true,
      digestAlgorithm: digest,
      dsc: { subject: 'C=UT, O=Utopia, CN=Passline Test Document Signer', issuer: 'C=UT, O=Utopia, CN=Passline Test CSCA' },
      csca: { subject: 'C=UT, O=Utopia, CN=Passline Test CSCA' },
    });
    if (result.ok) expect(result.dsc.serial).toMatch(/^[0-9a-f]{24}$/);
  });

  it('names the signature scheme it verified', async () => {
    const fixture = await generatePassportFixture({ signer: 'rsa-pss', digest: 'SHA-256', csca, now: NOW });
    const result = await authenticate({ ...fixture, trustStore, now: NOW });
    expect(result).toMatchObject({ ok: true, signatureAlgorithm: 'RSASSA-PSS with SHA-256 (salt 32)' });
  });

  it('accepts the SOD with and without its 0x77 wrapper', async () => {
    const wrapped = await generatePassportFixture({ csca, now: NOW });
    const bare = await generatePassportFixture({ csca, now: NOW, wrapSod: false });
    expect(wrapped.sod[0]).toBe(0x77);
    expect(bare.sod[0]).toBe(0x30);
    expect(failureOf(await authenticate({ ...wrapped, trustStore, now: NOW }))).toBe('ok');
    expect(failureOf(await authenticate({ ...bare, trustStore, now: NOW }))).toBe('ok');
    expect(unwrapSod(wrapped.sod)).toEqual(expect.any(Uint8Array));
  });

  it('ignores padding after the SOD, as chip reads may return whole blocks', async () => {
    const fixture = await generatePassportFixture({ csca, now: NOW });
    const padded = new Uint8Array([...fixture.sod, 0, 0, 0, 0]);
    expect(failureOf(await authenticate({ ...fixture, sod: padded, trustStore, now: NOW }))).toBe('ok');
  });

  it('finds the DSC by subject key identifier', async () => {
    const fixture = await generatePassportFixture({ csca, now: NOW, sid: 'subjectKeyIdentifier' });
    expect(failureOf(await authenticate({ ...fixture, trustStore, now: NOW }))).toBe('ok');
  });

  it.each(['ecdsa', 'rsa-pss'] as const)('verifies a DSC issued by a CSCA that signs with %s', async (algorithm) => {
    const otherCsca = await generateCsca({ now: NOW, algorithm, digest: 'SHA-384', keyRole: `csca-${algorithm}` });
    const fixture = await generatePassportFixture({ csca: otherCsca, now: NOW });
    expect(failureOf(await authenticate({ ...fixture, trustStore: storeOf(otherCsca), now: NOW }))).toBe('ok');
  });

  it('accepts a DSC of a renewed CSCA through a link certificate in the store', async () => {
    const renewedName = { country: 'UT', organization: 'Utopia', commonName: 'Passline Test CSCA 2' };
    const renewed = await generateCsca({ now: NOW, keyRole: 'renewed-csca', name: renewedName });
    const renewedKeys = await fixtureKeyPair('renewed-csca', 'rsa');
    const link = buildCertificate({
      subject: renewedName,
      issuer: subjectNameDer(csca.certDer),
      notBefore: new Date(NOW.getTime() - DAY_MS),
      notAfter: new Date(NOW.getTime() + 3650 * DAY_MS),
      publicKey: renewedKeys.publicKey,
      ca: true,
      authorityKeyIdentifier: keyIdentifierOf((await fixtureKeyPair('csca', 'rsa')).publicKey),
      signingKey: csca.privateKey,
      algorithm: 'rsa',
      digest: 'SHA-256',
    });
    const fixture = await generatePassportFixture({ csca: renewed, now: NOW });
    const store = createTrustStore([parseCertificate(csca.certDer), parseCertificate(link)]);
    const result = await authenticate({ ...fixture, trustStore: store, now: NOW });
    expect(result).toMatchObject({ ok: true, csca: { subject: 'C=UT, O=Utopia, CN=Passline Test CSCA 2', issuer: 'C=UT, O=Utopia, CN=Passline Test CSCA' } });
  });
});

describe('passiveAuthenticate on SODs signed by OpenSSL', () => {
  // An SOD built by another CMS implementation (with its own attribute set and encodings)
  // guards against the verifier only understanding our own generator.
  const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
  const cases: Array<[string, SignerAlgorithm, string[]]> = [
    ['RSA PKCS#1 v1.5', 'rsa', []],
    ['RSASSA-PSS', 'rsa', ['-keyopt', 'rsa_padding_mode:pss', '-keyopt', 'rsa_pss_saltlen:32']],
    ['ECDSA', 'ecdsa', []],
  ];

  (hasOpenssl ? it.each(cases) : it.skip.each(cases))('accepts %s', async (_label, signer, keyOptions) => {
    const dir = mkdtempSync(join(tmpdir(), 'passline-sod-'));
    try {
      const fixture = await generatePassportFixture({ csca, now: NOW, signer });
      const lds = buildLdsSecurityObject({
        digest: 'SHA-256',
        dataGroups: [
          { number: 1, bytes: fixture.dg1 },
          { number: 2, bytes: fixture.dg2 },
        ],
      });
      writeFileSync(join(dir, 'lds.der'), lds);
      writeFileSync(join(dir, 'dsc.pem'), fixture.dscCertPem);
      writeFileSync(join(dir, 'dsc.key'), fixture.dscPrivateKey);
      const run = spawnSync(
        'openssl',
        ['cms', '-sign', '-binary', '-nodetach', '-nosmimecap', '-md', 'sha256', '-econtent_type', '2.23.136.1.1.1']
          .concat(['-in', join(dir, 'lds.der'), '-signer', join(dir, 'dsc.pem'), '-inkey', join(dir, 'dsc.key')])
          .concat(keyOptions, ['-outform', 'DER', '-out', join(dir, 'sod.der')]),
        { encoding: 'utf8' },
      );
      expect(run.stderr).toBe('');
      const sod = new Uint8Array(readFileSync(join(dir, 'sod.der')));
      const result = await authenticate({ ...fixture, sod, trustStore, now: NOW });
      expect(result).toMatchObject({ ok: true, digestAlgorithm: 'SHA-256' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('passiveAuthenticate on tampered passports', () => {
  // The expected reasons are restated here rather than read from the generator, so a generator
  // change cannot silently move the goalposts.
  const expectations: Array<[string, PassiveAuthFailure]> = [
    ['dg1-byte-flip', 'dg1_hash_mismatch'],
    ['dg2-swapped', 'dg2_hash_mismatch'],
    ['unknown-dsc', 'csca_not_found'],
    ['impostor-csca', 'csca_not_found'],
    ['dsc-signed-by-untrusted-csca', 'dsc_chain_signature_invalid'],
    ['expired-dsc', 'dsc_expired'],
    ['not-yet-valid-dsc', 'dsc_not_yet_valid'],
    ['unknown-digest-oid', 'unsupported_digest_algorithm'],
    ['digest-algorithm-mismatch', 'dg1_hash_mismatch'],
    ['missing-dg1-hash', 'dg1_hash_missing'],
    ['missing-dg2-hash', 'dg2_hash_missing'],
    ['wrong-econtent-type', 'wrong_econtent_type'],
    ['lds-unparseable', 'lds_unparseable'],
    ['no-signed-attributes', 'signed_attributes_missing'],
    ['wrong-content-type-attribute', 'content_type_attribute_mismatch'],
    ['message-digest-mismatch', 'message_digest_mismatch'],
    ['corrupt-signature', 'signature_invalid'],
    ['dsc-not-carried', 'dsc_missing'],
    ['revoked-dsc', 'dsc_revoked'],
  ];
  let set: TamperedVariantSet;
  let ecdsaSet: TamperedVariantSet;

  beforeAll(async () => {
    set = await generateTamperedVariants({ csca, now: NOW });
    ecdsaSet = await generateTamperedVariants({ csca, now: NOW, signer: 'ecdsa', digest: 'SHA-1' });
  });

  it('generates exactly the variants listed here', () => {
    expect(set.variants.map((variant) => [variant.name, variant.expectedFailure])).toEqual(expectations);
  });

  it('leaves the valid passport of the set valid, with its CRL in the store', async () => {
    expect(failureOf(await authenticate({ ...set.valid, trustStore: storeWithCrls([csca], [set.crl]), now: NOW }))).toBe('ok');
  });

  it.each(expectations)('rejects %s with %s', async (name, reason) => {
    for (const variants of [set, ecdsaSet]) {
      const variant = variants.variants.find((item) => item.name === name)!;
      const result = await authenticate({ ...variant, trustStore: storeWithCrls([csca], [variants.crl]), now: NOW });
      expect(result).toMatchObject({ ok: false, reason, detail: expect.any(String) });
    }
  });

  it('fails every verification with an empty trust store', async () => {
    const result = await authenticate({ ...set.valid, trustStore: { certificates: [], crls: [] }, now: NOW });
    expect(result).toEqual({ ok: false, reason: 'trust_store_empty', detail: expect.any(String) });
  });

  it.each([
    ['empty', new Uint8Array()],
    ['garbage', new Uint8Array([1, 2, 3, 4])],
    ['a truncated SOD', new Uint8Array([0x77, 0x82, 0x10, 0x00, 0x30, 0x80])],
    ['a 0x77 wrapper around two elements', new Uint8Array([0x77, 0x04, 0x05, 0x00, 0x05, 0x00])],
  ])('reports an unparseable SOD for %s', async (_label, sod) => {
    const result = await authenticate({ ...set.valid, sod, trustStore, now: NOW });
    expect(failureOf(result)).toBe('sod_unparseable');
  });

  it('reports a ContentInfo that is not SignedData', async () => {
    const contentInfo = new pkijs.ContentInfo({
      contentType: '1.2.840.113549.1.7.1',
      content: new asn1js.OctetString({ valueHex: new Uint8Array([1]) }),
    });
    const sod = new Uint8Array(contentInfo.toSchema().toBER());
    expect(failureOf(await authenticate({ ...set.valid, sod, trustStore, now: NOW }))).toBe('sod_not_signed_data');
  });

  it('requires exactly one SignerInfo', async () => {
    const contentInfo = pkijs.ContentInfo.fromBER(new Uint8Array(unwrapSod(set.valid.sod)));
    const signedData = new pkijs.SignedData({ schema: contentInfo.content });
    signedData.signerInfos.push(signedData.signerInfos[0]);
    const sod = new Uint8Array(new pkijs.ContentInfo({ contentType: contentInfo.contentType, content: signedData.toSchema() }).toSchema().toBER());
    const result = await authenticate({ ...set.valid, sod, trustStore, now: NOW });
    expect(result).toMatchObject({ ok: false, reason: 'signer_info_count_invalid', detail: 'the SOD has 2 SignerInfos, expected exactly 1' });
  });

  it('rejects a signature algorithm outside RSA, RSASSA-PSS and ECDSA', async () => {
    const fixture = await generatePassportFixture({
      csca,
      now: NOW,
      tamper: { signatureAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: '1.2.840.10040.4.3' }) }, // dsa-with-sha1
    });
    expect(failureOf(await authenticate({ ...fixture, trustStore, now: NOW }))).toBe('unsupported_signature_algorithm');
  });
});

describe('passiveAuthenticate validity checks at an injected time', () => {
  it('accepts at the reference time and rejects outside the DSC validity', async () => {
    const fixture = await generatePassportFixture({ csca, now: NOW });
    const at = (offsetDays: number) => authenticate({ ...fixture, trustStore, now: new Date(NOW.getTime() + offsetDays * DAY_MS) });
    expect(failureOf(await at(0))).toBe('ok');
    expect(failureOf(await at(-31))).toBe('dsc_not_yet_valid');
    expect(failureOf(await at(365 * 11))).toBe('dsc_expired');
  });

  it('rejects a DSC whose CSCA has expired or is not yet valid', async () => {
    const shortLived = await generateCsca({
      now: NOW,
      validity: { notBefore: new Date(NOW.getTime() - DAY_MS), notAfter: new Date(NOW.getTime() + 100 * DAY_MS) },
    });
    const fixture = await generatePassportFixture({
      csca: shortLived,
      now: NOW,
      dscValidity: { notBefore: new Date(NOW.getTime() - 10 * DAY_MS), notAfter: new Date(NOW.getTime() + 1000 * DAY_MS) },
    });
    const store = storeOf(shortLived);
    const at = (offsetDays: number) => authenticate({ ...fixture, trustStore: store, now: new Date(NOW.getTime() + offsetDays * DAY_MS) });
    expect(failureOf(await at(50))).toBe('ok');
    expect(failureOf(await at(200))).toBe('csca_expired');
    expect(failureOf(await at(-5))).toBe('csca_not_yet_valid');
  });
});

describe('passiveAuthenticate with CRLs (§6.7 "Revocation")', () => {
  let fixture: Awaited<ReturnType<typeof generatePassportFixture>>;
  const crlOf = (overrides: Partial<Parameters<typeof buildCrl>[0]> = {}) =>
    buildCrl({ issuer: csca, thisUpdate: new Date(NOW.getTime() - DAY_MS), nextUpdate: new Date(NOW.getTime() + 30 * DAY_MS), crlNumber: 1, ...overrides });

  beforeAll(async () => {
    fixture = await generatePassportFixture({ csca, now: NOW, dscKeyRole: 'dsc-under-crl' });
  });

  it('rejects a DSC whose serial the CSCA’s CRL lists, with dsc_revoked, whatever the revocation date', async () => {
    // Revoked "tomorrow": the date is ignored, the listing is what counts.
    const crl = crlOf({ revoked: [fixture.dscCertDer], thisUpdate: new Date(NOW.getTime() + DAY_MS), nextUpdate: null });
    const result = await authenticate({ ...fixture, trustStore: storeWithCrls([csca], [crl]), now: NOW });
    expect(result).toEqual({ ok: false, reason: 'dsc_revoked', detail: expect.stringContaining(parseCertificate(fixture.dscCertDer).serialHex) });
  });

  it('accepts a DSC when the CRL lists other serials only', async () => {
    const other = await generatePassportFixture({ csca, now: NOW });
    const crl = crlOf({ revoked: [other.dscCertDer], revokedSerials: [1n, 0xffn, parseCertificate(fixture.dscCertDer).serialNumber + 1n] });
    const store = storeWithCrls([csca], [crl]);
    expect(store.crls).toHaveLength(1);
    expect(await authenticate({ ...fixture, trustStore: store, now: NOW })).toMatchObject({ ok: true });
    expect(failureOf(await authenticate({ ...other, trustStore: store, now: NOW }))).toBe('dsc_revoked');
  });

  it('accepts with an empty CRL, and without any CRL under both policies', async () => {
    for (const crlPolicy of ['soft', 'strict'] as const) {
      expect(await authenticate({ ...fixture, trustStore: storeWithCrls([csca], [generateCrl(csca, { now: NOW })]), now: NOW, crlPolicy })).toMatchObject({ ok: true });
      expect(await authenticate({ ...fixture, trustStore, now: NOW, crlPolicy })).toEqual(expect.not.objectContaining({ staleCrl: expect.anything() }));
      expect(await authenticate({ ...fixture, trustStore, now: NOW, crlPolicy })).toMatchObject({ ok: true });
    }
  });

  it('skips a CRL signed by another CA with one warning, so it revokes nothing', async () => {
    const rogue = await generateCsca({ now: NOW, keyRole: 'rogue-csca' }); // the trusted CSCA's name, another key
    const forgedKey = crlOf({ revoked: [fixture.dscCertDer], signingKey: rogue.privateKey });
    const otherIssuer = buildCrl({ issuer: rogue, revoked: [fixture.dscCertDer], thisUpdate: NOW, nextUpdate: null });
    const warnings: string[] = [];
    const store = storeWithCrls([csca], [forgedKey, otherIssuer], (message) => warnings.push(message));
    expect(store.crls).toHaveLength(0);
    expect(warnings).toEqual([
      expect.stringMatching(/skipping CRL test-1\.crl \(issuer "C=UT, O=Utopia, CN=Passline Test CSCA"\): its signature does not verify/),
      expect.stringMatching(/skipping CRL test-2\.crl .*: no loaded CSCA with that subject has the key id [0-9a-f]{40}/),
    ]);
    expect(await authenticate({ ...fixture, trustStore: store, now: NOW })).toMatchObject({ ok: true });
  });

  it('lets the highest CRL number decide, else the latest thisUpdate', async () => {
    const revoking = (crlNumber: number | null, thisUpdateDays: number) =>
      crlOf({ revoked: [fixture.dscCertDer], crlNumber, thisUpdate: new Date(NOW.getTime() + thisUpdateDays * DAY_MS) });
    const clean = (crlNumber: number | null, thisUpdateDays: number) => crlOf({ crlNumber, thisUpdate: new Date(NOW.getTime() + thisUpdateDays * DAY_MS) });
    const verdict = async (crls: Uint8Array[]) => failureOf(await authenticate({ ...fixture, trustStore: storeWithCrls([csca], crls), now: NOW }));
    // By number, whatever the dates: a later-numbered CRL that no longer lists the serial wins.
    expect(await verdict([revoking(7, -1), clean(8, -3)])).toBe('ok');
    expect(await verdict([clean(7, -1), revoking(8, -3)])).toBe('dsc_revoked');
    // Without numbers, the latest thisUpdate.
    expect(await verdict([revoking(null, -3), clean(null, -1)])).toBe('ok');
    expect(await verdict([clean(null, -3), revoking(null, -1)])).toBe('dsc_revoked');
  });

  it('accepts a stale CRL under soft and names it for a warning; fails it with crl_stale under strict', async () => {
    const stale = crlOf({ thisUpdate: new Date(NOW.getTime() - 40 * DAY_MS), nextUpdate: new Date(NOW.getTime() - DAY_MS), crlNumber: 3 });
    const store = storeWithCrls([csca], [stale]);
    expect(await authenticate({ ...fixture, trustStore: store, now: NOW })).toMatchObject({
      ok: true,
      staleCrl: { source: 'test-1.crl', issuer: 'C=UT, O=Utopia, CN=Passline Test CSCA', crlNumber: '3', nextUpdate: new Date(NOW.getTime() - DAY_MS).toISOString() },
    });
    expect(await authenticate({ ...fixture, trustStore: store, now: NOW, crlPolicy: 'soft' })).toMatchObject({ ok: true, staleCrl: expect.anything() });
    expect(await authenticate({ ...fixture, trustStore: store, now: NOW, crlPolicy: 'strict' })).toEqual({
      ok: false,
      reason: 'crl_stale',
      detail: expect.stringContaining('CRL_POLICY=strict'),
    });
    // The same CRL before its nextUpdate is fresh under both policies.
    const before = new Date(NOW.getTime() - 2 * DAY_MS);
    expect(await authenticate({ ...fixture, trustStore: store, now: before, crlPolicy: 'strict' })).toEqual(expect.objectContaining({ ok: true }));
    expect(await authenticate({ ...fixture, trustStore: store, now: before })).not.toHaveProperty('staleCrl');
    // A revoked DSC is revoked even when the CRL is stale.
    const staleRevoking = crlOf({ revoked: [fixture.dscCertDer], nextUpdate: new Date(NOW.getTime() - DAY_MS) });
    expect(failureOf(await authenticate({ ...fixture, trustStore: storeWithCrls([csca], [staleRevoking]), now: NOW }))).toBe('dsc_revoked');
  });

  it('ignores CRLs of other CSCAs', async () => {
    const second = await generateCsca({ now: NOW, keyRole: 'second-csca', name: { country: 'XY', commonName: 'Other CSCA' } });
    const theirs = buildCrl({ issuer: second, revokedSerials: [parseCertificate(fixture.dscCertDer).serialNumber], thisUpdate: NOW, nextUpdate: new Date(NOW.getTime() - DAY_MS) });
    const store = storeWithCrls([csca, second], [theirs]);
    expect(store.crls).toHaveLength(1);
    expect(await authenticate({ ...fixture, trustStore: store, now: NOW, crlPolicy: 'strict' })).toMatchObject({ ok: true });
  });
});

describe('passiveAuthenticate on arbitrary corruption', () => {
  it('never throws on a corrupted SOD and always names a known reason', async () => {
    const fixture = await generatePassportFixture({ csca, now: NOW, signer: 'ecdsa' });
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: fixture.sod.length - 1 }), fc.integer({ min: 1, max: 255 }), async (position, mask) => {
        const sod = new Uint8Array(fixture.sod);
        sod[position] ^= mask;
        const result = await passiveAuthenticate({ ...fixture, sod, trustStore, now: NOW });
        expect(typeof result.ok).toBe('boolean');
        if (!result.ok) expect(PASSIVE_AUTH_FAILURES).toContain(result.reason);
      }),
      { numRuns: 100 },
    );
  });
});

describe('failure reasons', () => {
  it('are each produced by some test above', () => {
    expect([...seenFailures].sort()).toEqual([...PASSIVE_AUTH_FAILURES].sort());
  });
});
