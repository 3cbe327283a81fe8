import fc from 'fast-check';
import { parseDg1 } from './dg1.js';
import { ascii, concatBytes, encodeDg1, encodeTlv, SPECIMEN_LINES } from './testing/index.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const SPECIMEN_MRZ = SPECIMEN_LINES.join('');

describe('parseDg1', () => {
  it('reads the specimen MRZ from tag 0x61 / 0x5F1F', () => {
    expect(parseDg1(encodeDg1(SPECIMEN_MRZ), NOW)).toEqual({
      ok: true,
      mrz: expect.objectContaining({ documentNumber: 'L898902C3', familyName: 'ERIKSSON', dateOfBirth: '1974-08-12' }),
    });
  });

  it('reads a DG1 whose outer length uses the long form', () => {
    expect(parseDg1(encodeDg1(SPECIMEN_MRZ, { longForm: 2 }), NOW).ok).toBe(true);
  });

  it('finds the MRZ among other data objects', () => {
    const dg1 = encodeTlv(0x61, encodeTlv(0x5f02, Uint8Array.of(1)), encodeTlv(0x5f1f, ascii(SPECIMEN_MRZ)));
    expect(parseDg1(dg1, NOW).ok).toBe(true);
  });

  it('ignores bytes after the outer data object', () => {
    expect(parseDg1(concatBytes(encodeDg1(SPECIMEN_MRZ), Uint8Array.of(0, 0)), NOW).ok).toBe(true);
  });

  it('rejects a DG1 with the wrong outer tag', () => {
    expect(parseDg1(encodeDg1(SPECIMEN_MRZ, { outerTag: 0x75 }), NOW)).toEqual({ ok: false, reason: 'dg1_wrong_tag' });
  });

  it('rejects a DG1 without the MRZ data object', () => {
    expect(parseDg1(encodeTlv(0x61, encodeTlv(0x5f02, Uint8Array.of(1))), NOW)).toEqual({ ok: false, reason: 'dg1_mrz_missing' });
  });

  it.each([
    ['empty', new Uint8Array(0)],
    ['truncated', encodeDg1(SPECIMEN_MRZ).subarray(0, 50)],
    ['broken inside', encodeTlv(0x61, Uint8Array.of(0x5f, 0x1f, 0x58, 0x50))],
  ])('rejects a %s DG1 as malformed', (_label, dg1) => {
    expect(parseDg1(dg1, NOW)).toEqual({ ok: false, reason: 'dg1_malformed' });
  });

  it.each([
    ['TD1 (90 characters)', 'I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<'],
    ['TD2 (72 characters)', 'I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<D231458907UTO7408122F1204159<<<<<<<6'],
    ['87 characters', SPECIMEN_MRZ.slice(0, 87)],
    ['two lines with a line break', `${SPECIMEN_LINES[0]}\n${SPECIMEN_LINES[1]}`],
  ])('rejects an MRZ of %s as not TD3', (_label, mrz) => {
    expect(parseDg1(encodeDg1(mrz), NOW)).toEqual({ ok: false, reason: 'mrz_not_td3' });
  });

  it('rejects 88 characters outside the MRZ alphabet', () => {
    expect(parseDg1(encodeDg1(SPECIMEN_MRZ.replace('<<ANNA', '\n<ANNA')), NOW)).toEqual({ ok: false, reason: 'mrz_charset' });
    const withHighByte = encodeDg1(SPECIMEN_MRZ);
    withHighByte[10] = 0xc5;
    expect(parseDg1(withHighByte, NOW)).toEqual({ ok: false, reason: 'mrz_charset' });
  });

  it('passes check digit failures through', () => {
    const tampered = SPECIMEN_MRZ.slice(0, 44 + 9) + '7' + SPECIMEN_MRZ.slice(44 + 10);
    expect(parseDg1(encodeDg1(tampered), NOW)).toEqual({ ok: false, reason: 'document_number_check_digit' });
  });

  it('answers every byte string with a result, never an exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        expect(typeof parseDg1(bytes, NOW).ok).toBe('boolean');
      }),
    );
    fc.assert(
      fc.property(fc.nat(SPECIMEN_MRZ.length + 5), fc.nat(255), (index, value) => {
        const dg1 = encodeDg1(SPECIMEN_MRZ);
        if (index < dg1.length) dg1[index] = value;
        expect(typeof parseDg1(dg1, NOW).ok).toBe('boolean');
      }),
    );
  });
});
