import * as asn1js from 'asn1js';
import { StaleCrlWarnings, decidingCrl, parseCrl } from './crl.js';

const at = (iso: string) => new Date(iso);

describe('StaleCrlWarnings', () => {
  it('is due once per CRL per hour', () => {
    const warnings = new StaleCrlWarnings();
    expect(warnings.due('a', at('2026-12-01T10:00:00Z'))).toBe(true);
    expect(warnings.due('a', at('2026-12-01T10:59:59Z'))).toBe(false);
    expect(warnings.due('b', at('2026-12-01T10:30:00Z'))).toBe(true);
    expect(warnings.due('a', at('2026-12-01T11:00:00Z'))).toBe(true);
    expect(warnings.due('a', at('2026-12-01T11:10:00Z'))).toBe(false);
  });
});

describe('decidingCrl', () => {
  const crl = (name: string, crlNumber: bigint | undefined, thisUpdate: string) => ({ name, crlNumber, thisUpdate: at(thisUpdate) });

  it('takes the highest CRL number, else the latest thisUpdate, whatever the order', () => {
    const list = [crl('old', 4n, '2026-12-03T00:00:00Z'), crl('new', 5n, '2026-12-01T00:00:00Z'), crl('mid', 3n, '2026-12-02T00:00:00Z')];
    expect(decidingCrl(list)?.name).toBe('new');
    expect(decidingCrl([...list].reverse())?.name).toBe('new');
    const unnumbered = [crl('a', undefined, '2026-12-01T00:00:00Z'), crl('b', undefined, '2026-12-05T00:00:00Z'), crl('c', undefined, '2026-12-02T00:00:00Z')];
    expect(decidingCrl(unnumbered)?.name).toBe('b');
    expect(decidingCrl([])).toBeUndefined();
  });
});

describe('parseCrl structure (RFC 5280 §5)', () => {
  // Hand-built CertificateLists: the structure is the question here, not the signature
  // (passive-auth.spec and trust-store.spec read CRLs signed by fixture CSCAs).
  const algorithm = () => new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.1.11' }), new asn1js.Null()] });
  const issuer = () =>
    new asn1js.Sequence({
      value: [new asn1js.Set({ value: [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: '2.5.4.3' }), new asn1js.PrintableString({ value: 'CSCA' })] })] })],
    });
  const utc = () => new asn1js.UTCTime({ valueDate: new Date('2026-12-01T00:00:00Z') });
  const extension = (oid: string, critical: boolean | undefined, value: asn1js.AsnType | null) =>
    new asn1js.Sequence({
      value: [
        new asn1js.ObjectIdentifier({ value: oid }),
        ...(critical === undefined ? [] : [new asn1js.Boolean({ value: critical })]),
        ...(value ? [value] : []),
      ],
    });
  const octets = (inner: asn1js.AsnType) => new asn1js.OctetString({ valueHex: inner.toBER() });
  const entry = (serial: number, ...rest: asn1js.AsnType[]) => new asn1js.Sequence({ value: [new asn1js.Integer({ value: serial }), utc(), ...rest] });
  const crl = ({ revoked, extensions }: { revoked?: asn1js.AsnType[]; extensions?: asn1js.AsnType[] }) => {
    const tbs = new asn1js.Sequence({
      value: [
        new asn1js.Integer({ value: 1 }),
        algorithm(),
        issuer(),
        utc(),
        ...(revoked ? [new asn1js.Sequence({ value: revoked })] : []),
        ...(extensions ? [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.Sequence({ value: extensions })] })] : []),
      ],
    });
    return new Uint8Array(new asn1js.Sequence({ value: [tbs, algorithm(), new asn1js.BitString({ valueHex: new Uint8Array(8) })] }).toBER());
  };
  const cRLNumber = (n: number) => extension('2.5.29.20', undefined, octets(new asn1js.Integer({ value: n })));

  it('reads a well-formed CRL: issuer, dates, serials, CRL number; non-critical extensions it does not know are ignored', () => {
    const parsed = parseCrl(
      crl({
        revoked: [entry(7), entry(9, new asn1js.Sequence({ value: [extension('2.5.29.21', false, octets(new asn1js.Enumerated({ value: 1 })))] }))],
        extensions: [cRLNumber(12), extension('1.2.3.4', undefined, octets(new asn1js.Null()))],
      }),
    );
    expect(parsed.issuer).toContain('CSCA');
    expect(parsed.thisUpdate.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(parsed.nextUpdate).toBeUndefined();
    expect([...parsed.revokedSerials]).toEqual([7n, 9n]);
    expect(parsed.crlNumber).toBe(12n);
  });

  it.each([
    ['an extension marked critical with no extnValue', crl({ extensions: [extension('2.5.29.28', true, null)] }), /extnValue: expected an OCTET STRING/],
    ['an extnValue that is not an OCTET STRING', crl({ extensions: [extension('1.2.3.4', false, new asn1js.Null())] }), /extnValue: expected an OCTET STRING/],
    ['an empty Extensions', crl({ extensions: [] }), /empty Extensions/],
    ['a critical extension it does not understand', crl({ extensions: [extension('1.2.3.4', true, octets(new asn1js.Null()))] }), /unsupported critical extension 1\.2\.3\.4/],
    ['a delta CRL', crl({ extensions: [extension('2.5.29.27', true, octets(new asn1js.Integer({ value: 3 })))] }), /a delta CRL/],
    [
      'a critical entry extension (certificateIssuer: an indirect CRL)',
      crl({ revoked: [entry(7, new asn1js.Sequence({ value: [extension('2.5.29.29', true, octets(new asn1js.Sequence()))] }))] }),
      /unsupported critical entry extension 2\.5\.29\.29/,
    ],
    ['a revoked entry with a fourth element', crl({ revoked: [entry(7, new asn1js.Sequence({ value: [cRLNumber(1)] }), new asn1js.Null())] }), /too many elements/],
    ['a revoked entry whose extensions are not Extensions', crl({ revoked: [entry(7, new asn1js.Integer({ value: 1 }))] }), /expected a SEQUENCE/],
  ])('refuses %s', (_what, der, message) => {
    expect(() => parseCrl(der)).toThrow(message);
  });
});
