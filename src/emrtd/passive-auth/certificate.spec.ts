import { X509Certificate } from 'node:crypto';
import { generateCsca, generatePassportFixture } from '../testing/index.js';
import { isWithinValidity, parseCertificate, pemCertificates, toPem } from './certificate.js';
import { DerError } from './der.js';

const NOW = new Date('2026-11-26T10:00:00.000Z');

describe('parseCertificate', () => {
  it('reads what OpenSSL reads from a DSC, plus the key identifiers', async () => {
    const csca = await generateCsca({ now: NOW });
    const fixture = await generatePassportFixture({ csca, now: NOW });
    const dsc = parseCertificate(fixture.dscCertDer);
    const reference = new X509Certificate(fixture.dscCertDer);
    expect(dsc.subject).toBe('C=UT, O=Utopia, CN=Passline Test Document Signer');
    expect(dsc.issuer).toBe('C=UT, O=Utopia, CN=Passline Test CSCA');
    expect(dsc.serialHex).toBe(reference.serialNumber.toLowerCase());
    expect(dsc.notBefore).toEqual(new Date(reference.validFrom));
    expect(dsc.notAfter).toEqual(new Date(reference.validTo));
    expect(Buffer.from(dsc.spki)).toEqual(reference.publicKey.export({ type: 'spki', format: 'der' }));
    expect(dsc.authorityKeyIdentifier).toEqual(csca.subjectKeyIdentifier);
    expect(parseCertificate(csca.certDer).subjectKeyIdentifier).toEqual(csca.subjectKeyIdentifier);
    expect(dsc.issuerDer).toEqual(parseCertificate(csca.certDer).subjectDer);
    expect(dsc.signatureAlgorithm.oid).toBe('1.2.840.113549.1.1.11');
  });

  it('rejects bytes that are not a certificate', () => {
    expect(() => parseCertificate(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]))).toThrow(DerError);
    expect(() => parseCertificate(new Uint8Array([0x30]))).toThrow(DerError);
  });

  it('round-trips PEM and tells validity at a given time', async () => {
    const csca = await generateCsca({ now: NOW, validity: { notBefore: NOW, notAfter: new Date(NOW.getTime() + 1000) } });
    const [der] = pemCertificates(`junk\n${toPem(csca.certDer)}`);
    const certificate = parseCertificate(der);
    expect(isWithinValidity(certificate, new Date(NOW.getTime() - 1))).toBe('not_yet_valid');
    expect(isWithinValidity(certificate, NOW)).toBe('valid');
    expect(isWithinValidity(certificate, new Date(NOW.getTime() + 1001))).toBe('expired');
  });
});
