import { STATIC_CLAIM_KEYS } from './claim-catalogue.js';
import { defaultReason, normalizeShareFields, reasonNormalize } from './normalize.js';

describe('normalizeShareFields', () => {
  describe('when share_fields is omitted', () => {
    const normalized = normalizeShareFields(undefined);

    it('returns the thirteen static claims in ascending key order', () => {
      expect(Object.keys(normalized)).toEqual([...STATIC_CLAIM_KEYS]);
    });

    it('marks every default as optional except kayle_document_id', () => {
      for (const key of STATIC_CLAIM_KEYS) {
        expect(normalized[key].required).toBe(key === 'kayle_document_id');
      }
    });

    it('uses the exact default reasons and source "default"', () => {
      expect(normalized).toEqual({
        date_of_birth: { required: false, reason: 'Sharing "Date of Birth"', source: 'default' },
        document_expiry_date: {
          required: false,
          reason: 'Sharing "Document Expiry Date"',
          source: 'default',
        },
        document_number: {
          required: false,
          reason: 'Sharing "Document Number"',
          source: 'default',
        },
        document_photo: { required: false, reason: 'Sharing "Document Photo"', source: 'default' },
        document_type_code: {
          required: false,
          reason: 'Sharing "Document Type Code"',
          source: 'default',
        },
        family_name: { required: false, reason: 'Sharing "Family Name"', source: 'default' },
        given_names: { required: false, reason: 'Sharing "Given Names"', source: 'default' },
        issuing_country_code: {
          required: false,
          reason: 'Sharing "Issuing Country Code"',
          source: 'default',
        },
        kayle_document_id: {
          required: true,
          reason: 'Sharing "Kayle Document ID"',
          source: 'default',
        },
        kayle_human_id: { required: false, reason: 'Sharing "Kayle Human ID"', source: 'default' },
        mrz_optional_data: {
          required: false,
          reason: 'Sharing "MRZ Optional Data"',
          source: 'default',
        },
        nationality_code: {
          required: false,
          reason: 'Sharing "Nationality Code"',
          source: 'default',
        },
        sex_marker: { required: false, reason: 'Sharing "Sex Marker"', source: 'default' },
      });
    });

    it('includes no age gate', () => {
      expect(Object.keys(normalized).some((key) => key.startsWith('age_over_'))).toBe(false);
    });

    it('returns a fresh object on every call', () => {
      const first = normalizeShareFields(undefined);
      first.sex_marker.required = true;
      expect(normalizeShareFields(undefined).sex_marker.required).toBe(false);
    });
  });

  describe('when share_fields is given', () => {
    it('turns {} into only the kayle_document_id default', () => {
      expect(normalizeShareFields({})).toEqual({
        kayle_document_id: {
          required: true,
          reason: 'Sharing "Kayle Document ID"',
          source: 'default',
        },
      });
    });

    it('produces the share_fields of the §3.2 example', () => {
      const normalized = normalizeShareFields({
        nationality_code: { required: false, reason: 'Shipping restrictions.' },
        age_over_18: { required: true, reason: 'Confirm you are an adult.' },
      });
      expect(JSON.stringify(normalized)).toBe(
        '{"age_over_18":{"required":true,"reason":"Confirm you are an adult.","source":"rc"},' +
          '"kayle_document_id":{"required":true,"reason":"Sharing \\"Kayle Document ID\\"","source":"default"},' +
          '"nationality_code":{"required":false,"reason":"Shipping restrictions.","source":"rc"}}',
      );
    });

    it('keeps only the requested claims, marked source "rc"', () => {
      const normalized = normalizeShareFields({
        sex_marker: { required: false, reason: 'Why' },
      });
      expect(Object.keys(normalized)).toEqual(['kayle_document_id', 'sex_marker']);
      expect(normalized.sex_marker).toEqual({ required: false, reason: 'Why', source: 'rc' });
    });

    it('keeps required as requested for claims other than kayle_document_id', () => {
      const normalized = normalizeShareFields({
        family_name: { required: true, reason: 'a' },
        given_names: { required: false, reason: 'b' },
      });
      expect(normalized.family_name.required).toBe(true);
      expect(normalized.given_names.required).toBe(false);
    });

    it('forces a requested kayle_document_id to required but keeps its reason and source', () => {
      expect(
        normalizeShareFields({ kayle_document_id: { required: false, reason: ' Dedupe  users ' } }),
      ).toEqual({
        kayle_document_id: { required: true, reason: 'Dedupe users', source: 'rc' },
      });
    });

    it('sorts keys ascending regardless of request order', () => {
      const normalized = normalizeShareFields({
        sex_marker: { required: true, reason: 'x' },
        age_over_21: { required: true, reason: 'x' },
        nationality_code: { required: true, reason: 'x' },
        document_number: { required: true, reason: 'x' },
      });
      expect(Object.keys(normalized)).toEqual([
        'age_over_21',
        'document_number',
        'kayle_document_id',
        'nationality_code',
        'sex_marker',
      ]);
    });

    it('stores an age gate key exactly as sent', () => {
      const normalized = normalizeShareFields({ age_over_018: { required: true, reason: 'x' } });
      expect(Object.keys(normalized)).toEqual(['age_over_018', 'kayle_document_id']);
    });

    it('trims the reason and collapses whitespace runs into one space', () => {
      const normalized = normalizeShareFields({
        nationality_code: { required: true, reason: '  Shipping \t\n restrictions\u00a0\u00a0apply.\r\n' },
      });
      expect(normalized.nationality_code.reason).toBe('Shipping restrictions apply.');
    });

    it('copies only required and reason from each entry', () => {
      const entry = { required: true, reason: 'x', source: 'default', extra: 1 };
      const normalized = normalizeShareFields({ sex_marker: entry });
      expect(normalized.sex_marker).toEqual({ required: true, reason: 'x', source: 'rc' });
    });

    it('does not mutate its input', () => {
      const input = { kayle_document_id: { required: false, reason: '  a  b ' } };
      normalizeShareFields(input);
      expect(input).toEqual({ kayle_document_id: { required: false, reason: '  a  b ' } });
    });

    it('holds 33 fields when 32 are requested without kayle_document_id', () => {
      const requested = Object.fromEntries(
        Array.from({ length: 32 }, (_, i) => [`claim_${String(i).padStart(2, '0')}`, {
          required: false,
          reason: 'x',
        }]),
      );
      expect(Object.keys(normalizeShareFields(requested))).toHaveLength(33);
    });
  });
});

describe('reasonNormalize', () => {
  it.each([
    ['Plain.', 'Plain.'],
    ['  padded  ', 'padded'],
    ['a  b', 'a b'],
    ['a\tb\nc\r\nd', 'a b c d'],
    ['a\u00a0\u2003\u3000b', 'a b'],
    ['\ufeffBOM\ufeff', 'BOM'],
    ['a\u2028b', 'a b'],
  ])('normalizes %j to %j', (input, output) => {
    expect(reasonNormalize(input)).toBe(output);
  });
});

describe('defaultReason', () => {
  it('quotes the label', () => {
    expect(defaultReason('kayle_document_id')).toBe('Sharing "Kayle Document ID"');
    expect(defaultReason('age_over_018')).toBe('Sharing "Age Over 18"');
  });
});
