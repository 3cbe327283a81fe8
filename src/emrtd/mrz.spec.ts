import fc from 'fast-check';
import { mrzCheckDigit, parseMrzName, parseTd3, type Td3Mrz, type Td3ParseResult } from './mrz.js';
import {
  mrzCheckDigit as builderCheckDigit,
  SPECIMEN_FIELDS,
  SPECIMEN_LINES,
  type Td3Fields,
  td3Lines,
  withCharAt,
  withComposite,
} from './testing/index.js';

const NOW = new Date('2026-11-26T12:00:00Z');

const SPECIMEN_MRZ: Td3Mrz = {
  documentTypeCode: 'P',
  issuingCountryCode: 'UTO',
  familyName: 'ERIKSSON',
  givenNames: 'ANNA MARIA',
  documentNumber: 'L898902C3',
  nationalityCode: 'UTO',
  dateOfBirth: '1974-08-12',
  sexMarker: 'F',
  documentExpiryDate: '2012-04-15',
  mrzOptionalData: 'ZE184226B',
};

const parseFields = (changes: Partial<Td3Fields>, now = NOW): Td3ParseResult =>
  parseTd3(...td3Lines({ ...SPECIMEN_FIELDS, ...changes }), now);

const mrzOf = (result: Td3ParseResult): Td3Mrz => {
  if (!result.ok) throw new Error(`expected a parsed MRZ, got ${result.reason}`);
  return result.mrz;
};

const nextDigit = (digit: string): string => String((Number(digit) + 1) % 10);

describe('mrzCheckDigit', () => {
  it('follows ICAO 9303 (7-3-1, A=10 … Z=35, < = 0)', () => {
    expect(mrzCheckDigit('L898902C3')).toBe(6);
    expect(mrzCheckDigit('740812')).toBe(2);
    expect(mrzCheckDigit('ZE184226B<<<<<')).toBe(1);
    expect(mrzCheckDigit('<<<<<<<<<<<<<<')).toBe(0);
    expect(mrzCheckDigit('AZ<')).toBe((10 * 7 + 35 * 3) % 10);
  });
});

describe('parseTd3', () => {
  it('reads the §6.11 worked example on 2026-11-26', () => {
    expect(parseTd3(SPECIMEN_LINES[0], SPECIMEN_LINES[1], NOW)).toEqual({ ok: true, mrz: SPECIMEN_MRZ });
  });

  it('is fed by a test encoder that reproduces the specimen exactly', () => {
    expect(td3Lines(SPECIMEN_FIELDS)).toEqual(SPECIMEN_LINES);
  });

  describe('check digits', () => {
    const [line1, line2] = SPECIMEN_LINES;

    it.each([
      ['document number', 9, 'document_number_check_digit'],
      ['date of birth', 19, 'birth_date_check_digit'],
      ['expiry date', 27, 'expiry_date_check_digit'],
      ['optional data', 42, 'optional_data_check_digit'],
    ])('rejects a wrong %s check digit even when the composite is recomputed', (_field, position, reason) => {
      const tampered = withComposite(withCharAt(line2, position, nextDigit(line2[position])));
      expect(parseTd3(line1, tampered, NOW)).toEqual({ ok: false, reason });
    });

    it('rejects a wrong composite check digit', () => {
      expect(parseTd3(line1, withCharAt(line2, 43, nextDigit(line2[43])), NOW)).toEqual({
        ok: false,
        reason: 'composite_check_digit',
      });
    });

    it('rejects a changed document number whose old check digit stays', () => {
      expect(parseTd3(line1, withCharAt(line2, 0, 'M'), NOW)).toEqual({ ok: false, reason: 'document_number_check_digit' });
    });

    it('leaves the nationality unprotected, as ICAO 9303 does: no check digit covers it', () => {
      expect(parseTd3(line1, withCharAt(line2, 10, 'X'), NOW)).toEqual({
        ok: true,
        mrz: { ...SPECIMEN_MRZ, nationalityCode: 'XTO' },
      });
    });

    it.each([
      ['document number', 9, 'document_number_check_digit'],
      ['date of birth', 19, 'birth_date_check_digit'],
      ['expiry date', 27, 'expiry_date_check_digit'],
      ['composite', 43, 'composite_check_digit'],
    ])('refuses a filler in place of the %s check digit', (_field, position, reason) => {
      const tampered = position === 43 ? withCharAt(line2, 43, '<') : withComposite(withCharAt(line2, position, '<'));
      expect(parseTd3(line1, tampered, NOW)).toEqual({ ok: false, reason });
    });

    it('accepts a filler as the optional-data check digit when the field is all fillers', () => {
      const result = parseFields({ optionalData: '', optionalDataCheckDigit: '<' });
      expect(mrzOf(result).mrzOptionalData).toBe('');
    });

    it('accepts 0 as the optional-data check digit of an all-filler field', () => {
      expect(mrzOf(parseFields({ optionalData: '', optionalDataCheckDigit: '0' })).mrzOptionalData).toBe('');
      expect(mrzOf(parseFields({ optionalData: '' })).mrzOptionalData).toBe('');
    });

    it('refuses a filler as the optional-data check digit when the field holds data', () => {
      expect(parseFields({ optionalDataCheckDigit: '<' })).toEqual({ ok: false, reason: 'optional_data_check_digit' });
      expect(parseFields({ optionalData: '<<<<<<<<<<<<<1', optionalDataCheckDigit: '<' })).toEqual({
        ok: false,
        reason: 'optional_data_check_digit',
      });
    });
  });

  describe('date of birth century', () => {
    const birth = (yymmdd: string, now = NOW): Td3ParseResult => parseFields({ birthDate: yymmdd }, now);

    it('moves a birth date that would be after today to the previous century', () => {
      expect(mrzOf(birth('261127')).dateOfBirth).toBe('1926-11-27');
      expect(mrzOf(birth('270101')).dateOfBirth).toBe('1927-01-01');
    });

    it('keeps a birth date of today in this century', () => {
      expect(mrzOf(birth('261126')).dateOfBirth).toBe('2026-11-26');
      expect(mrzOf(birth('000101')).dateOfBirth).toBe('2000-01-01');
    });

    it('reads someone born exactly 130 years ago as 30 years old: the latest matching year wins', () => {
      // 1896-11-26 and 1996-11-26 share YYMMDD; the rule picks the latest year in [now−130, now].
      expect(mrzOf(birth('961126')).dateOfBirth).toBe('1996-11-26');
    });

    it('reads someone born exactly 100 years ago today as born today', () => {
      expect(mrzOf(birth('261126')).dateOfBirth).toBe('2026-11-26');
      expect(mrzOf(birth('261127')).dateOfBirth).toBe('1926-11-27');
    });

    it('decides "after today" on the UTC date', () => {
      const lateEveningInNewYork = new Date('2026-11-26T23:30:00-05:00'); // 27 November in UTC
      expect(mrzOf(birth('261127', lateEveningInNewYork)).dateOfBirth).toBe('2026-11-27');
      const earlyMorningInTokyo = new Date('2026-11-27T05:00:00+09:00'); // still 26 November in UTC
      expect(mrzOf(birth('261127', earlyMorningInTokyo)).dateOfBirth).toBe('1926-11-27');
    });
  });

  describe('expiry date century', () => {
    const expiry = (yymmdd: string): string => mrzOf(parseFields({ expiryDate: yymmdd })).documentExpiryDate;

    it('reads an expiry 49 years out in the future', () => {
      expect(expiry('750101')).toBe('2075-01-01');
    });

    it('reads an expiry 50 years out in the future, not 50 years back', () => {
      expect(expiry('761231')).toBe('2076-12-31');
    });

    it('reads a two-digit year 51 years out as 49 years back', () => {
      expect(expiry('770101')).toBe('1977-01-01');
    });

    it('reports an expired document without refusing it', () => {
      expect(expiry('120415')).toBe('2012-04-15');
    });
  });

  describe('calendar dates', () => {
    it('accepts 29 February birth dates in leap years only', () => {
      expect(mrzOf(parseFields({ birthDate: '080229' })).dateOfBirth).toBe('2008-02-29');
      expect(mrzOf(parseFields({ birthDate: '000229' })).dateOfBirth).toBe('2000-02-29');
      expect(parseFields({ birthDate: '070229' })).toEqual({ ok: false, reason: 'birth_date_invalid' });
      expect(parseFields({ birthDate: '250229' })).toEqual({ ok: false, reason: 'birth_date_invalid' });
    });

    it('checks 29 February against the century finally chosen', () => {
      // On 2000-01-15, "000229" is after today, so it means 1900-02-29, which never existed.
      expect(parseFields({ birthDate: '000229' }, new Date('2000-01-15T00:00:00Z'))).toEqual({
        ok: false,
        reason: 'birth_date_invalid',
      });
    });

    it('accepts 29 February expiry dates in leap years only', () => {
      expect(mrzOf(parseFields({ expiryDate: '280229' })).documentExpiryDate).toBe('2028-02-29');
      expect(parseFields({ expiryDate: '270229' })).toEqual({ ok: false, reason: 'expiry_date_invalid' });
    });

    it.each(['741312', '740012', '740800', '740431', '74<812', 'A40812'])(
      'rejects the impossible birth date %s even with valid check digits',
      (birthDate) => {
        expect(parseFields({ birthDate })).toEqual({ ok: false, reason: 'birth_date_invalid' });
      },
    );

    it.each(['121315', '120400', '120631', '1204<5'])('rejects the impossible expiry date %s', (expiryDate) => {
      expect(parseFields({ expiryDate })).toEqual({ ok: false, reason: 'expiry_date_invalid' });
    });
  });

  describe('names', () => {
    it('takes the whole field as the family name when there is no <<', () => {
      expect(mrzOf(parseFields({ name: 'ERIKSSON<ANNA' }))).toMatchObject({ familyName: 'ERIKSSON ANNA', givenNames: '' });
      const full = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ<ABCDEFGHIJKL';
      expect(mrzOf(parseFields({ name: full }))).toMatchObject({ familyName: full.replace('<', ' '), givenNames: '' });
    });

    it('splits at the first << and turns filler runs into single spaces', () => {
      expect(mrzOf(parseFields({ name: 'VAN<DER<BERG<<ANNA<<MARIA<LOUISE' }))).toMatchObject({
        familyName: 'VAN DER BERG',
        givenNames: 'ANNA MARIA LOUISE',
      });
    });

    it('gives an empty family name when the field starts with <<', () => {
      expect(mrzOf(parseFields({ name: '<<ANNA' }))).toMatchObject({ familyName: '', givenNames: 'ANNA' });
    });

    it('gives empty names for an all-filler field', () => {
      expect(parseMrzName('<'.repeat(39))).toEqual({ familyName: '', givenNames: '' });
    });

    it('keeps a family name followed only by fillers', () => {
      expect(parseMrzName('ERIKSSON<<<<<')).toEqual({ familyName: 'ERIKSSON', givenNames: '' });
      expect(parseMrzName('ERIKSSON<')).toEqual({ familyName: 'ERIKSSON', givenNames: '' });
    });
  });

  describe('sex marker', () => {
    it.each([
      ['M', 'M'],
      ['F', 'F'],
      ['X', 'X'],
      ['<', 'X'],
    ])('reads %s as %s', (sex, expected) => {
      expect(mrzOf(parseFields({ sex })).sexMarker).toBe(expected);
    });

    it.each(['Q', '0'])('rejects %s', (sex) => {
      expect(parseFields({ sex })).toEqual({ ok: false, reason: 'sex_marker_invalid' });
    });
  });

  describe('fillers in coded fields', () => {
    it('removes fillers from the type, country, number, nationality and optional data', () => {
      const mrz = mrzOf(
        parseFields({
          documentType: 'P',
          issuingCountry: 'D',
          documentNumber: 'C01X00T4',
          nationality: 'D',
          optionalData: 'AB<<12',
        }),
      );
      expect(mrz).toMatchObject({
        documentTypeCode: 'P',
        issuingCountryCode: 'D',
        documentNumber: 'C01X00T4',
        nationalityCode: 'D',
        mrzOptionalData: 'AB12',
      });
    });

    it('keeps a two-letter document type', () => {
      expect(mrzOf(parseFields({ documentType: 'PO' })).documentTypeCode).toBe('PO');
    });
  });

  describe('shape', () => {
    it.each([
      ['a short first line', SPECIMEN_LINES[0].slice(0, 43), SPECIMEN_LINES[1]],
      ['a long second line', SPECIMEN_LINES[0], `${SPECIMEN_LINES[1]}<`],
      ['TD1 lines of 30', 'I<UTOD231458907<<<<<<<<<<<<<<<', '7408122F1204159UTO<<<<<<<<<<<6'],
      ['TD2 lines of 36', 'I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<', 'D231458907UTO7408122F1204159<<<<<<<6'],
      ['empty lines', '', ''],
    ])('rejects %s as not TD3', (_label, line1, line2) => {
      expect(parseTd3(line1, line2, NOW)).toEqual({ ok: false, reason: 'mrz_not_td3' });
    });

    it.each([
      ['lower case', SPECIMEN_LINES[0].toLowerCase(), SPECIMEN_LINES[1]],
      ['a space', SPECIMEN_LINES[0].replace('<<ANNA', '  ANNA'), SPECIMEN_LINES[1]],
      ['a non-ASCII letter', SPECIMEN_LINES[0].replace('ERIKSSON', 'ERIKSSÖN'), SPECIMEN_LINES[1]],
      ['a line break', SPECIMEN_LINES[0], `${SPECIMEN_LINES[1].slice(0, 43)}\n`],
    ])('rejects %s as outside the MRZ alphabet', (_label, line1, line2) => {
      expect(parseTd3(line1, line2, NOW)).toEqual({ ok: false, reason: 'mrz_charset' });
    });
  });

  describe('round trip', () => {
    const DAY_MS = 86_400_000;
    const pad2 = (n: number): string => String(n).padStart(2, '0');
    const yymmdd = (year: number, month: number, day: number): string => pad2(year % 100) + pad2(month) + pad2(day);
    const iso = (year: number, month: number, day: number): string =>
      `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
    const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

    const word = fc.stringMatching(/^[A-Z]{1,10}$/);
    const names = fc
      .record({ family: fc.array(word, { minLength: 1, maxLength: 3 }), given: fc.array(word, { maxLength: 3 }) })
      .map(({ family, given }) => ({
        field: family.join('<') + (given.length > 0 ? `<<${given.join('<')}` : ''),
        familyName: family.join(' '),
        givenNames: given.join(' '),
      }))
      .filter(({ field }) => field.length <= 39);

    const scenario = fc
      .record({
        now: fc.date({ min: new Date('1950-01-01T00:00:00Z'), max: new Date('2150-12-31T23:59:59Z'), noInvalidDate: true }),
        documentType: fc.constantFrom('P', 'PO', 'PD', 'PS'),
        issuingCountry: fc.oneof(fc.stringMatching(/^[A-Z]{3}$/), fc.constant('D')),
        names,
        documentNumber: fc.stringMatching(/^[A-Z0-9]{1,9}$/),
        nationality: fc.oneof(fc.stringMatching(/^[A-Z]{3}$/), fc.constant('D')),
        // Within the last 100 years (exclusive), the span the century rule can tell apart.
        birthDaysAgo: fc.integer({ min: 0, max: 36_499 }),
        sex: fc.constantFrom(['M', 'M'], ['F', 'F'], ['X', 'X'], ['<', 'X']),
        expiryYearOffset: fc.integer({ min: -49, max: 50 }),
        expiryMonth: fc.integer({ min: 1, max: 12 }),
        expiryDay: fc.integer({ min: 1, max: 31 }),
        optionalData: fc.stringMatching(/^[A-Z0-9]{0,14}$/),
        fillerCheckDigit: fc.boolean(),
      })
      .map((s) => {
        const todayMs = Date.UTC(s.now.getUTCFullYear(), s.now.getUTCMonth(), s.now.getUTCDate());
        const birth = new Date(todayMs - s.birthDaysAgo * DAY_MS);
        const [by, bm, bd] = [birth.getUTCFullYear(), birth.getUTCMonth() + 1, birth.getUTCDate()];
        const ey = s.now.getUTCFullYear() + s.expiryYearOffset;
        const ed = Math.min(s.expiryDay, daysIn(ey, s.expiryMonth));
        const fields: Td3Fields = {
          documentType: s.documentType,
          issuingCountry: s.issuingCountry,
          name: s.names.field,
          documentNumber: s.documentNumber,
          nationality: s.nationality,
          birthDate: yymmdd(by, bm, bd),
          sex: s.sex[0],
          expiryDate: yymmdd(ey, s.expiryMonth, ed),
          optionalData: s.optionalData,
          optionalDataCheckDigit: s.optionalData === '' && s.fillerCheckDigit ? '<' : undefined,
        };
        const expected: Td3Mrz = {
          documentTypeCode: s.documentType,
          issuingCountryCode: s.issuingCountry,
          familyName: s.names.familyName,
          givenNames: s.names.givenNames,
          documentNumber: s.documentNumber,
          nationalityCode: s.nationality,
          dateOfBirth: iso(by, bm, bd),
          sexMarker: s.sex[1] as Td3Mrz['sexMarker'],
          documentExpiryDate: iso(ey, s.expiryMonth, ed),
          mrzOptionalData: s.optionalData,
        };
        return { now: s.now, fields, expected };
      });

    it('parses any MRZ built with correct check digits back to its fields', () => {
      fc.assert(
        fc.property(scenario, ({ now, fields, expected }) => {
          expect(parseTd3(...td3Lines(fields), now)).toEqual({ ok: true, mrz: expected });
        }),
        { numRuns: 500 },
      );
    });

    it('rejects any single-character change to a check digit', () => {
      fc.assert(
        fc.property(scenario, fc.constantFrom(9, 19, 27, 43), fc.integer({ min: 1, max: 9 }), ({ now, fields }, position, delta) => {
          const [line1, line2] = td3Lines(fields);
          const digit = line2[position] === '<' ? 0 : Number(line2[position]);
          const tampered = withCharAt(line2, position, String((digit + delta) % 10));
          expect(parseTd3(line1, tampered, now).ok).toBe(false);
        }),
      );
    });

    it('agrees with the independent check digit of the test encoder', () => {
      fc.assert(
        fc.property(fc.stringMatching(/^[A-Z0-9<]{0,40}$/), (value) => {
          expect(String(mrzCheckDigit(value))).toBe(builderCheckDigit(value));
        }),
      );
    });
  });
});
