import * as asn1js from 'asn1js';
import { generateCsca } from '../testing/index.js';
import { parseCertificate } from './certificate.js';
import { DerError } from './der.js';
import { authorityKeyIdentifierOf, explicitExtensions, extensionsOf } from './extensions.js';

const NOW = new Date('2026-11-26T10:00:00.000Z');

const oid = (id: string) => new asn1js.ObjectIdentifier({ value: id });
const octets = (bytes: number[]) => new asn1js.OctetString({ valueHex: new Uint8Array(bytes) });
const decoded = (element: asn1js.AsnType) => asn1js.fromBER(element.toBER()).result;

describe('Extensions', () => {
  it('reads each extension: id, critical (default false) and the bytes of its value', () => {
    const list = new asn1js.Sequence({
      value: [
        new asn1js.Sequence({ value: [oid('2.5.29.20'), octets([0x02, 0x01, 0x07])] }),
        new asn1js.Sequence({ value: [oid('2.5.29.28'), new asn1js.Boolean({ value: true }), octets([0x30, 0x00])] }),
      ],
    });
    expect(extensionsOf(decoded(list), 'crlExtensions')).toEqual([
      { id: '2.5.29.20', critical: false, value: new Uint8Array([0x02, 0x01, 0x07]) },
      { id: '2.5.29.28', critical: true, value: new Uint8Array([0x30, 0x00]) },
    ]);
  });

  it.each([
    ['an empty list (SIZE 1..MAX)', new asn1js.Sequence({ value: [] })],
    ['an extension without a value', new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [oid('2.5.29.20')] })] })],
    [
      'an extension with an element too many',
      new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [oid('2.5.29.20'), new asn1js.Boolean({ value: false }), octets([1]), octets([2])] })] }),
    ],
    ['a critical flag that is not a BOOLEAN', new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [oid('2.5.29.20'), new asn1js.Integer({ value: 1 }), octets([1])] })] })],
    ['a value that is not an OCTET STRING', new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [oid('2.5.29.20'), new asn1js.Integer({ value: 1 })] })] })],
  ])('refuses %s', (_what, list) => {
    expect(() => extensionsOf(decoded(list), 'extensions')).toThrow(DerError);
  });

  it('takes exactly one Extensions inside the explicit tag', () => {
    const one = new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [oid('2.5.29.20'), octets([0x02, 0x01, 0x07])] })] });
    const wrap = (value: asn1js.AsnType[]) => decoded(new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 3 }, value }));
    expect(explicitExtensions(wrap([one]), 'extensions')).toHaveLength(1);
    expect(() => explicitExtensions(wrap([one, one]), 'extensions')).toThrow(DerError);
    expect(() => explicitExtensions(wrap([]), 'extensions')).toThrow(DerError);
  });

  it('reads the keyIdentifier of an AuthorityKeyIdentifier, and none when it only names the issuer by serial', () => {
    const keyId = new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: new Uint8Array([9, 8, 7]) });
    const serialOnly = new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 2 }, valueHex: new Uint8Array([1]) });
    const aki = (value: asn1js.AsnType[]) => ({ id: '2.5.29.35', critical: false, value: new Uint8Array(new asn1js.Sequence({ value }).toBER()) });
    expect(authorityKeyIdentifierOf(aki([keyId]))).toEqual(new Uint8Array([9, 8, 7]));
    expect(authorityKeyIdentifierOf(aki([serialOnly]))).toBeUndefined();
  });

  it('is what certificates are read with: a malformed critical flag voids the certificate', async () => {
    const csca = await generateCsca({ now: NOW });
    expect(() => parseCertificate(csca.certDer)).not.toThrow();
    // basicConstraints (2.5.29.19) is marked critical: BOOLEAN TRUE right after its OID.
    const der = Buffer.from(csca.certDer);
    const at = der.indexOf(Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x13, 0x01, 0x01, 0xff]));
    expect(at).toBeGreaterThan(0);
    der[at + 5] = 0x02; // the same byte as an INTEGER
    expect(() => parseCertificate(new Uint8Array(der))).toThrow(DerError);
  });
});
