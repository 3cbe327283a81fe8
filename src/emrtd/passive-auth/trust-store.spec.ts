import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCrl, buildMasterList, generateCsca, generatePassportFixture, type FixtureCsca } from '../testing/index.js';
import { passiveAuthenticate } from './passive-auth.js';
import { TrustStoreReadError, createTrustStore, loadTrustStore, masterListCertificates } from './trust-store.js';
import { parseCertificate, toPem } from './certificate.js';

const NOW = new Date('2026-11-26T10:00:00.000Z');

let dir: string;
let trusted: FixtureCsca;
let second: FixtureCsca;
let ecdsa: FixtureCsca;
let fromMasterList: FixtureCsca;

function freshDir(): string {
  return mkdtempSync(join(tmpdir(), 'passline-csca-'));
}

function subjects(certificates: ReadonlyArray<{ subject: string }>): string[] {
  return certificates.map((certificate) => certificate.subject).sort();
}

beforeAll(async () => {
  trusted = await generateCsca({ now: NOW });
  second = await generateCsca({ now: NOW, keyRole: 'rogue-csca', name: { country: 'UT', commonName: 'Second CSCA' } });
  ecdsa = await generateCsca({ now: NOW, algorithm: 'ecdsa', name: { country: 'UT', commonName: 'ECDSA CSCA' } });
  fromMasterList = await generateCsca({ now: NOW, algorithm: 'ecdsa', keyRole: 'ml-csca', name: { country: 'XY', commonName: 'Master List CSCA' } });
});

beforeEach(() => {
  dir = freshDir();
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('loadTrustStore', () => {
  it('loads PEM bundles, DER certificates and master lists, and warns once per skipped file', async () => {
    writeFileSync(join(dir, 'bundle.pem'), `Utopia CSCAs\n${trusted.certPem}\n${second.certPem.replace(/\n/g, '\r\n')}`);
    writeFileSync(join(dir, 'ecdsa.cer'), ecdsa.certDer);
    writeFileSync(
      join(dir, 'icao.ml'),
      buildMasterList([fromMasterList.certDer, trusted.certDer], {
        certificateDer: fromMasterList.certDer,
        privateKey: fromMasterList.privateKey,
        algorithm: 'ecdsa',
        digest: 'SHA-256',
      }),
    );
    writeFileSync(join(dir, 'notes.txt'), 'not a certificate');
    writeFileSync(join(dir, 'broken.crt'), new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]));
    mkdirSync(join(dir, 'archive.pem'));
    const messages: string[] = [];

    const store = loadTrustStore(dir, (msg) => messages.push(msg));

    expect(subjects(store.certificates)).toEqual([
      'C=UT, CN=ECDSA CSCA',
      'C=UT, CN=Second CSCA',
      'C=UT, O=Utopia, CN=Passline Test CSCA', // in the bundle and the master list, kept once
      'C=XY, CN=Master List CSCA',
    ]);
    expect(messages.filter((msg) => msg.includes('skipping'))).toEqual([
      expect.stringMatching(/skipping archive\.pem: not a regular file/),
      expect.stringMatching(/skipping certificate 1 of broken\.crt: /),
      expect.stringMatching(/skipping notes\.txt: not a \.pem, \.crt, \.cer, \.ml or \.crl file/),
    ]);
    expect(messages[messages.length - 1]).toBe(`CSCA trust store: loaded 4 CSCA certificate(s) and 0 CRL(s) from ${dir}`);
  });

  it('gives a store that verifies passports under any of its CSCAs', async () => {
    writeFileSync(join(dir, 'icao.ml'), buildMasterList([fromMasterList.certDer], { certificateDer: fromMasterList.certDer, privateKey: fromMasterList.privateKey, algorithm: 'ecdsa', digest: 'SHA-256' }));
    writeFileSync(join(dir, 'trusted.crt'), trusted.certPem);
    const store = loadTrustStore(dir, () => undefined);
    for (const csca of [trusted, fromMasterList]) {
      const fixture = await generatePassportFixture({ csca, now: NOW, signer: 'ecdsa' });
      expect(await passiveAuthenticate({ ...fixture, trustStore: store, now: NOW })).toMatchObject({ ok: true });
    }
    const outsider = await generatePassportFixture({ csca: second, now: NOW });
    expect(await passiveAuthenticate({ ...outsider, trustStore: store, now: NOW })).toMatchObject({ ok: false, reason: 'csca_not_found' });
  });

  it('reads several DER certificates back to back and upper-case extensions', () => {
    writeFileSync(join(dir, 'BOTH.CER'), Buffer.concat([trusted.certDer, second.certDer]));
    expect(subjects(loadTrustStore(dir, () => undefined).certificates)).toEqual(['C=UT, CN=Second CSCA', 'C=UT, O=Utopia, CN=Passline Test CSCA']);
  });

  it('skips a .ml file that is not a CSCA master list', async () => {
    const fixture = await generatePassportFixture({ csca: trusted, now: NOW, wrapSod: false });
    writeFileSync(join(dir, 'sod.ml'), fixture.sod);
    const messages: string[] = [];
    expect(loadTrustStore(dir, (msg) => messages.push(msg)).certificates).toHaveLength(0);
    expect(messages[0]).toMatch(/skipping sod\.ml: eContentType is 2\.23\.136\.1\.1\.1, not a CSCA master list/);
  });

  it('yields an empty store for an empty directory, which fails every verification', async () => {
    const messages: string[] = [];
    const store = loadTrustStore(dir, (msg) => messages.push(msg));
    expect(store.certificates).toHaveLength(0);
    expect(messages).toEqual([`CSCA trust store: loaded 0 CSCA certificate(s) and 0 CRL(s) from ${dir}`]);
    const fixture = await generatePassportFixture({ csca: trusted, now: NOW });
    expect(await passiveAuthenticate({ ...fixture, trustStore: store, now: NOW })).toMatchObject({ ok: false, reason: 'trust_store_empty' });
  });

  it('yields an empty store with a warning when the directory is missing', () => {
    const messages: string[] = [];
    expect(loadTrustStore(join(dir, 'missing'), (msg) => messages.push(msg)).certificates).toHaveLength(0);
    expect(messages).toEqual([expect.stringMatching(/cannot read directory .*missing.*the store is empty/)]);
  });
});

describe('loadTrustStore with CRLs (.crl)', () => {
  const DAY_MS = 24 * 60 * 60 * 1000;
  const crlOf = (issuer: FixtureCsca, revoked: Uint8Array[] = [], crlNumber = 1) =>
    buildCrl({ issuer, revoked, crlNumber, thisUpdate: new Date(NOW.getTime() - DAY_MS), nextUpdate: new Date(NOW.getTime() + 30 * DAY_MS) });

  it('reads PEM and DER CRL files, several CRLs per file, and revokes what they list', async () => {
    const fixture = await generatePassportFixture({ csca: trusted, now: NOW });
    const ecdsaFixture = await generatePassportFixture({ csca: ecdsa, now: NOW, signer: 'ecdsa' });
    writeFileSync(join(dir, 'trusted.pem'), `${trusted.certPem}${ecdsa.certPem}${second.certPem}`);
    writeFileSync(join(dir, 'utopia.crl'), `${toPem(crlOf(trusted, [fixture.dscCertDer], 2), 'X509 CRL')}\n${toPem(crlOf(second), 'X509 CRL')}`);
    writeFileSync(join(dir, 'ecdsa.CRL'), Buffer.concat([crlOf(ecdsa, [], 1), crlOf(ecdsa, [ecdsaFixture.dscCertDer], 2)]));
    const messages: string[] = [];

    const store = loadTrustStore(dir, (msg) => messages.push(msg));

    expect(store.crls.map((crl) => [crl.source, crl.issuer, crl.crlNumber, crl.revokedSerials.size])).toEqual([
      ['ecdsa.CRL #1', 'C=UT, CN=ECDSA CSCA', 1n, 0],
      ['ecdsa.CRL #2', 'C=UT, CN=ECDSA CSCA', 2n, 1],
      ['utopia.crl #1', 'C=UT, O=Utopia, CN=Passline Test CSCA', 2n, 1],
      ['utopia.crl #2', 'C=UT, CN=Second CSCA', 1n, 0],
    ]);
    expect(messages).toEqual([`CSCA trust store: loaded 3 CSCA certificate(s) and 4 CRL(s) from ${dir}`]);
    expect(await passiveAuthenticate({ ...fixture, trustStore: store, now: NOW })).toMatchObject({ ok: false, reason: 'dsc_revoked' });
    expect(await passiveAuthenticate({ ...ecdsaFixture, trustStore: store, now: NOW })).toMatchObject({ ok: false, reason: 'dsc_revoked' });
  });

  it('skips, with one warning each, a CRL no loaded CSCA signed and a CRL that cannot be read', () => {
    writeFileSync(join(dir, 'trusted.pem'), trusted.certPem);
    writeFileSync(join(dir, 'foreign.crl'), crlOf(fromMasterList)); // its CSCA is not in the store
    writeFileSync(join(dir, 'garbage.crl'), 'not a CRL at all');
    writeFileSync(join(dir, 'delta.crl'), buildCrl({ issuer: trusted, thisUpdate: NOW, nextUpdate: null, criticalExtension: '2.5.29.27' }));
    const messages: string[] = [];
    const store = loadTrustStore(dir, (msg, level) => messages.push(`${level ?? 'log'}: ${msg}`));
    expect(store.crls).toHaveLength(0);
    expect(messages).toEqual([
      expect.stringMatching(/^warn: CSCA trust store: skipping CRL 1 of delta\.crl: a delta CRL/),
      expect.stringMatching(/^warn: CSCA trust store: skipping garbage\.crl: DER CRL: /),
      expect.stringMatching(/^warn: CSCA trust store: skipping CRL foreign\.crl \(issuer "C=XY, CN=Master List CSCA"\): no loaded CSCA has that subject/),
      `log: CSCA trust store: loaded 1 CSCA certificate(s) and 0 CRL(s) from ${dir}`,
    ]);
  });

  it('refuses a CRL with a critical extension it does not understand', () => {
    writeFileSync(join(dir, 'trusted.pem'), trusted.certPem);
    writeFileSync(join(dir, 'odd.crl'), buildCrl({ issuer: trusted, thisUpdate: NOW, nextUpdate: null, criticalExtension: '1.2.3.4' }));
    const messages: string[] = [];
    expect(loadTrustStore(dir, (msg) => messages.push(msg)).crls).toHaveLength(0);
    expect(messages[0]).toMatch(/skipping CRL 1 of odd\.crl: unsupported critical extension 1\.2\.3\.4/);
  });

  it('fails a strict load (a reload) on any file it cannot read, naming every problem', () => {
    writeFileSync(join(dir, 'trusted.pem'), trusted.certPem);
    writeFileSync(join(dir, 'half.crl'), crlOf(trusted).subarray(0, 40)); // caught mid-download
    writeFileSync(join(dir, 'empty.cer'), '');
    writeFileSync(join(dir, 'readme.txt'), 'skipped as ever');
    mkdirSync(join(dir, 'old.pem'));
    const messages: string[] = [];
    let error: unknown;
    try {
      loadTrustStore(dir, (msg) => messages.push(msg), { strict: true });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TrustStoreReadError);
    expect((error as TrustStoreReadError).problems).toEqual([expect.stringMatching(/^empty\.cer: /), expect.stringMatching(/^half\.crl: /)]);
    expect(messages.some((msg) => msg.includes('loaded'))).toBe(false);
    expect(() => loadTrustStore(join(dir, 'gone'), () => undefined, { strict: true })).toThrow(/cannot read directory/);
  });
});

describe('masterListCertificates', () => {
  it('returns the certList of the CscaMasterList without the signer certificates', () => {
    const masterList = buildMasterList([trusted.certDer, second.certDer], {
      certificateDer: fromMasterList.certDer,
      privateKey: fromMasterList.privateKey,
      algorithm: 'ecdsa',
      digest: 'SHA-256',
    });
    expect(masterListCertificates(masterList).map((der) => Buffer.from(der))).toEqual([Buffer.from(trusted.certDer), Buffer.from(second.certDer)]);
  });
});

describe('createTrustStore', () => {
  it('keeps one copy of a certificate given twice', () => {
    const certificate = parseCertificate(trusted.certDer);
    expect(createTrustStore([certificate, parseCertificate(trusted.certDer)]).certificates).toHaveLength(1);
  });
});
