import {
  STATIC_CLAIM_KEYS,
  STATIC_CLAIM_LABELS,
  claimLabel,
  isAgeGateKey,
  isStaticClaimKey,
  parseAgeGateThreshold,
} from './claim-catalogue.js';

describe('claim catalogue', () => {
  it('lists exactly the thirteen static claims in ascending order', () => {
    expect(STATIC_CLAIM_KEYS).toEqual([
      'date_of_birth',
      'document_expiry_date',
      'document_number',
      'document_photo',
      'document_type_code',
      'family_name',
      'given_names',
      'issuing_country_code',
      'kayle_document_id',
      'kayle_human_id',
      'mrz_optional_data',
      'nationality_code',
      'sex_marker',
    ]);
  });

  it('cannot be mutated at runtime', () => {
    expect(Object.isFrozen(STATIC_CLAIM_KEYS)).toBe(true);
    expect(Object.isFrozen(STATIC_CLAIM_LABELS)).toBe(true);
  });

  it.each([
    ['date_of_birth', 'Date of Birth'],
    ['document_expiry_date', 'Document Expiry Date'],
    ['document_number', 'Document Number'],
    ['document_photo', 'Document Photo'],
    ['document_type_code', 'Document Type Code'],
    ['family_name', 'Family Name'],
    ['given_names', 'Given Names'],
    ['issuing_country_code', 'Issuing Country Code'],
    ['kayle_document_id', 'Kayle Document ID'],
    ['kayle_human_id', 'Kayle Human ID'],
    ['mrz_optional_data', 'MRZ Optional Data'],
    ['nationality_code', 'Nationality Code'],
    ['sex_marker', 'Sex Marker'],
  ])('labels %s as "%s"', (key, label) => {
    expect(claimLabel(key)).toBe(label);
  });

  describe('isStaticClaimKey', () => {
    it('accepts every static claim', () => {
      for (const key of STATIC_CLAIM_KEYS) {
        expect(isStaticClaimKey(key)).toBe(true);
      }
    });

    it.each([
      'age_over_18',
      'foo_bar',
      '',
      'Date_of_birth',
      'date_of_birth ',
      'toString',
      'constructor',
      '__proto__',
      'hasOwnProperty',
    ])('rejects %j', (key) => {
      expect(isStaticClaimKey(key)).toBe(false);
    });
  });

  describe('parseAgeGateThreshold', () => {
    it.each([
      ['age_over_12', 12],
      ['age_over_18', 18],
      ['age_over_21', 21],
      ['age_over_130', 130],
      ['age_over_018', 18],
      ['age_over_0012', 12],
      ['age_over_000000000000000000000000000000130', 130],
    ])('reads %s as %d', (key, threshold) => {
      expect(parseAgeGateThreshold(key)).toBe(threshold);
    });

    it.each([
      'age_over_',
      'age_over_abc',
      'age_over_11',
      'age_over_131',
      'age_over_0',
      'age_over_000',
      'age_over_+18',
      'age_over_-18',
      'age_over_1.5',
      'age_over_18.0',
      'age_over_1e2',
      'age_over_0x12',
      'age_over_ 18',
      'age_over_18 ',
      'age_over_18\n',
      ' age_over_18',
      'age_over_18a',
      'age_over_١٨',
      'age_over_１８',
      'age_over_99999999999999999999999999999999999999',
      'age_over_' + '9'.repeat(400),
      'Age_Over_18',
      'AGE_OVER_18',
      'age_over18',
      'date_of_birth',
    ])('rejects %j', (key) => {
      expect(parseAgeGateThreshold(key)).toBeNull();
    });
  });

  describe('isAgeGateKey', () => {
    it.each(['age_over_18', 'age_over_', 'age_over_abc', 'age_over_11'])(
      'recognises the age_over_ prefix in %j',
      (key) => {
        expect(isAgeGateKey(key)).toBe(true);
      },
    );

    it.each(['age_over18', 'Age_over_18', 'date_of_birth', ' age_over_18', ''])(
      'does not treat %j as an age gate',
      (key) => {
        expect(isAgeGateKey(key)).toBe(false);
      },
    );
  });

  describe('claimLabel for age gates', () => {
    it.each([
      ['age_over_18', 'Age Over 18'],
      ['age_over_018', 'Age Over 18'],
      ['age_over_0012', 'Age Over 12'],
      ['age_over_130', 'Age Over 130'],
    ])('labels %s as "%s"', (key, label) => {
      expect(claimLabel(key)).toBe(label);
    });

    it.each(['age_over_11', 'age_over_', 'foo_bar', 'toString'])(
      'refuses to label the invalid key %j',
      (key) => {
        expect(() => claimLabel(key)).toThrow(RangeError);
      },
    );
  });
});
