import { STATIC_CLAIM_KEYS } from './claim-catalogue.js';
import { SHARE_CONTRACT_CODES, type ShareContractViolation } from './share-contract.errors.js';
import {
  checkShareFieldsSemantics,
  checkShareFieldsShape,
  shareContractExamples,
  type ShareFieldsRequest,
} from './validate.js';

const ok = (reason = 'Needed for the check.', required = true) => ({ required, reason });

const codeOf = (violation: ShareContractViolation | null) => violation?.code ?? null;

const shape = (value: unknown) => codeOf(checkShareFieldsShape(value));

const semantics = (fields: ShareFieldsRequest) => codeOf(checkShareFieldsSemantics(fields));

// What POST /v1/sessions does when nothing else in the body is wrong.
const validate = (value: unknown) =>
  shape(value) ?? semantics(value as ShareFieldsRequest);

const manyKeys = (count: number, prefix = 'unknown_') =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, ok()]));

describe('checkShareFieldsShape (stage 1)', () => {
  describe('rule 1: share_fields must be a plain object', () => {
    it.each([
      ['an array of claim keys', ['nationality_code']],
      ['an empty array', []],
      ['a string', 'nationality_code'],
      ['a number', 42],
      ['a boolean', true],
      ['null', null],
      ['undefined', undefined],
    ])('rejects %s with INVALID_SHARE_FIELDS', (_label, value) => {
      expect(shape(value)).toBe('INVALID_SHARE_FIELDS');
    });

    it('accepts an empty object', () => {
      expect(shape({})).toBeNull();
    });

    it('accepts a well-formed map', () => {
      expect(shape({ nationality_code: ok(), age_over_18: ok('Adults only.', false) })).toBeNull();
    });
  });

  describe('rule 2: every object entry needs a reason of 1..200 characters', () => {
    it('rejects a missing reason with REASON_REQUIRED', () => {
      expect(shape(JSON.parse('{"nationality_code":{"required":true}}'))).toBe(
        'REASON_REQUIRED',
      );
    });

    it.each([
      ['null', null],
      ['a number', 7],
      ['a boolean', true],
      ['an object', { text: 'why' }],
      ['an array', ['why']],
      ['an array longer than 200 elements', Array.from({ length: 201 }, () => 'x')],
    ])('rejects a reason that is %s with REASON_REQUIRED', (_label, reason) => {
      expect(shape({ nationality_code: { required: true, reason } })).toBe('REASON_REQUIRED');
    });

    it('rejects an empty reason with REASON_REQUIRED', () => {
      expect(shape({ nationality_code: ok('') })).toBe('REASON_REQUIRED');
    });

    it('lets a whitespace-only reason through to stage 2', () => {
      expect(shape({ nationality_code: ok('   ') })).toBeNull();
    });

    it('accepts a reason of exactly 200 characters', () => {
      expect(shape({ nationality_code: ok('r'.repeat(200)) })).toBeNull();
    });

    it('rejects a 201-character reason with REASON_TOO_LONG', () => {
      expect(shape({ nationality_code: ok('r'.repeat(201)) })).toBe('REASON_TOO_LONG');
    });

    it('measures length before trimming, so 198 characters padded to 201 is REASON_TOO_LONG', () => {
      const reason = ` ${'r'.repeat(198)}  `;
      expect(reason).toHaveLength(201);
      expect(shape({ nationality_code: ok(reason) })).toBe('REASON_TOO_LONG');
    });

    it('rejects 201 spaces with REASON_TOO_LONG rather than REASON_REQUIRED', () => {
      expect(shape({ nationality_code: ok(' '.repeat(201)) })).toBe('REASON_TOO_LONG');
    });

    it('counts UTF-16 code units, so 101 astral characters are too long', () => {
      expect(shape({ nationality_code: ok('😀'.repeat(100)) })).toBeNull();
      expect(shape({ nationality_code: ok('😀'.repeat(101)) })).toBe('REASON_TOO_LONG');
    });

    it('ignores a reason inherited from the prototype', () => {
      const entry = Object.create({ reason: 'inherited' }) as Record<string, unknown>;
      entry.required = true;
      expect(shape({ nationality_code: entry })).toBe('REASON_REQUIRED');
    });

    it('lets the first offending entry decide between REASON_TOO_LONG and REASON_REQUIRED', () => {
      expect(shape({ a: ok('r'.repeat(201)), b: { required: true } })).toBe('REASON_TOO_LONG');
      expect(shape({ a: { required: true }, b: ok('r'.repeat(201)) })).toBe('REASON_REQUIRED');
    });

    it('lets a reason problem in a later entry win over a structural problem in an earlier one', () => {
      expect(shape({ a: 'not an object', b: { required: true } })).toBe('REASON_REQUIRED');
      expect(shape({ a: { reason: 'fine' }, b: ok('') })).toBe('REASON_REQUIRED');
      expect(shape({ a: [], b: ok('r'.repeat(201)) })).toBe('REASON_TOO_LONG');
      expect(shape({ a: null, b: { required: 'yes', reason: 5 } })).toBe('REASON_REQUIRED');
    });

    it('visits integer-like keys first, whatever the document order', () => {
      const value = JSON.parse(
        `{"b":{"required":true},"7":{"required":true,"reason":"${'r'.repeat(201)}"}}`,
      ) as unknown;
      expect(shape(value)).toBe('REASON_TOO_LONG');
    });

    it('skips non-object entries when looking for reason problems', () => {
      expect(shape({ a: 'x', b: 1, c: ok() })).toBe('INVALID_SHARE_FIELDS');
    });
  });

  describe('rule 3: every entry must be an object with a boolean required', () => {
    it.each([
      ['a string', 'nationality_code'],
      ['a number', 1],
      ['true', true],
      ['null', null],
      ['an array', [{ required: true, reason: 'x' }]],
    ])('rejects an entry that is %s with INVALID_SHARE_FIELDS', (_label, entry) => {
      expect(shape({ nationality_code: entry })).toBe('INVALID_SHARE_FIELDS');
    });

    it('rejects a missing required with INVALID_SHARE_FIELDS', () => {
      expect(shape({ nationality_code: { reason: 'Because.' } })).toBe('INVALID_SHARE_FIELDS');
    });

    it.each([
      ['the string "true"', 'true'],
      ['1', 1],
      ['0', 0],
      ['null', null],
      ['an object', {}],
    ])('rejects required set to %s with INVALID_SHARE_FIELDS', (_label, required) => {
      expect(shape({ nationality_code: { required, reason: 'Because.' } })).toBe(
        'INVALID_SHARE_FIELDS',
      );
    });

    it('accepts required false', () => {
      expect(shape({ nationality_code: ok('Because.', false) })).toBeNull();
    });

    it('ignores extra properties inside an entry', () => {
      expect(
        shape({ nationality_code: { required: true, reason: 'Because.', source: 'x', foo: 1 } }),
      ).toBeNull();
    });

    it('rejects a structural problem in a later entry once every reason is fine', () => {
      expect(shape({ a: ok(), b: ok(), c: { reason: 'fine', required: 'no' } })).toBe(
        'INVALID_SHARE_FIELDS',
      );
    });
  });

  it('does not look at keys or counts, which are stage 2 concerns', () => {
    expect(shape({ foo_bar: ok(), age_over_11: ok() })).toBeNull();
    expect(shape(manyKeys(40))).toBeNull();
    expect(shape({ age_over_18: ok(), age_over_21: ok(), date_of_birth: ok() })).toBeNull();
  });

  it('lets a stage-1 reason problem win over having too many entries', () => {
    expect(shape({ ...manyKeys(40), late: { required: true } })).toBe('REASON_REQUIRED');
  });

  it('treats a JSON "__proto__" key as an ordinary entry', () => {
    expect(shape(JSON.parse('{"__proto__":{"required":true}}'))).toBe('REASON_REQUIRED');
    expect(shape(JSON.parse('{"__proto__":{"required":true,"reason":"x"}}'))).toBeNull();
  });
});

describe('checkShareFieldsSemantics (stage 2)', () => {
  it('accepts an empty map', () => {
    expect(semantics({})).toBeNull();
  });

  it('accepts every static claim plus one age gate minus date_of_birth', () => {
    const fields: ShareFieldsRequest = { age_over_21: ok() };
    for (const key of STATIC_CLAIM_KEYS) {
      if (key !== 'date_of_birth') fields[key] = ok();
    }
    expect(semantics(fields)).toBeNull();
  });

  it('accepts every static claim including date_of_birth', () => {
    expect(semantics(Object.fromEntries(STATIC_CLAIM_KEYS.map((k) => [k, ok()])))).toBeNull();
  });

  describe('rule 4: at most 32 entries', () => {
    it('rejects 33 unknown keys with TOO_MANY_SHARE_FIELDS before looking at any key', () => {
      expect(semantics(manyKeys(33))).toBe('TOO_MANY_SHARE_FIELDS');
    });

    it('rejects 33 entries with blank reasons and bad keys with TOO_MANY_SHARE_FIELDS', () => {
      const fields = Object.fromEntries(
        Array.from({ length: 33 }, (_, i) => [`age_over_${i}`, ok('   ')]),
      );
      expect(semantics(fields)).toBe('TOO_MANY_SHARE_FIELDS');
    });

    it('checks keys normally at exactly 32 entries', () => {
      expect(semantics(manyKeys(32))).toBe('UNKNOWN_CLAIM_KEY');
    });
  });

  describe('rule 5: per entry, in order', () => {
    it.each([
      ['three spaces', '   '],
      ['tabs and newlines', '\t\n\r '],
      ['non-breaking and ideographic spaces', '\u00a0\u3000\ufeff'],
    ])('rejects a reason of %s with REASON_REQUIRED', (_label, reason) => {
      expect(semantics({ nationality_code: ok(reason) })).toBe('REASON_REQUIRED');
    });

    it('rejects a blank reason that passed stage 1 with REASON_REQUIRED', () => {
      const value = { nationality_code: ok('   ') };
      expect(shape(value)).toBeNull();
      expect(semantics(value)).toBe('REASON_REQUIRED');
    });

    it('rejects a trimmed reason over 200 characters with REASON_TOO_LONG', () => {
      expect(semantics({ nationality_code: ok(`  ${'r'.repeat(201)}  `) })).toBe(
        'REASON_TOO_LONG',
      );
    });

    it('accepts a reason whose trimmed length is 200', () => {
      expect(semantics({ nationality_code: ok(`  ${'r'.repeat(200)}  `) })).toBeNull();
    });

    it.each([
      'age_over_',
      'age_over_abc',
      'age_over_11',
      'age_over_131',
      'age_over_+18',
      'age_over_1.5',
      'age_over_ 18',
      'age_over_18 ',
    ])('rejects %j with INVALID_AGE_GATE_KEY', (key) => {
      expect(semantics({ [key]: ok() })).toBe('INVALID_AGE_GATE_KEY');
    });

    it.each(['age_over_12', 'age_over_18', 'age_over_018', 'age_over_130'])(
      'accepts the age gate %j',
      (key) => {
        expect(semantics({ [key]: ok() })).toBeNull();
      },
    );

    it.each(['foo_bar', 'Age_Over_18', 'age_over18', 'toString', 'constructor', '', '1'])(
      'rejects %j with UNKNOWN_CLAIM_KEY',
      (key) => {
        expect(semantics({ [key]: ok() })).toBe('UNKNOWN_CLAIM_KEY');
      },
    );

    it('rejects a JSON "__proto__" key with UNKNOWN_CLAIM_KEY', () => {
      const value = JSON.parse('{"__proto__":{"required":true,"reason":"x"}}') as ShareFieldsRequest;
      expect(semantics(value)).toBe('UNKNOWN_CLAIM_KEY');
    });

    it('rejects a second age gate with MULTIPLE_AGE_GATES_NOT_ALLOWED', () => {
      expect(semantics({ age_over_18: ok(), age_over_21: ok() })).toBe(
        'MULTIPLE_AGE_GATES_NOT_ALLOWED',
      );
    });

    it('counts the same threshold spelled twice as two age gates', () => {
      expect(semantics({ age_over_18: ok(), age_over_018: ok() })).toBe(
        'MULTIPLE_AGE_GATES_NOT_ALLOWED',
      );
    });

    it('checks the reason before the key', () => {
      expect(semantics({ foo_bar: ok('   ') })).toBe('REASON_REQUIRED');
      expect(semantics({ age_over_11: ok('   ') })).toBe('REASON_REQUIRED');
      expect(semantics({ age_over_18: ok(), age_over_21: ok(' ') })).toBe('REASON_REQUIRED');
    });

    it('lets the first failing entry win', () => {
      expect(semantics({ foo_bar: ok(), age_over_11: ok() })).toBe('UNKNOWN_CLAIM_KEY');
      expect(semantics({ age_over_11: ok(), foo_bar: ok() })).toBe('INVALID_AGE_GATE_KEY');
      expect(semantics({ nationality_code: ok(), foo_bar: ok(), x: ok('  ') })).toBe(
        'UNKNOWN_CLAIM_KEY',
      );
      expect(semantics({ age_over_18: ok(), age_over_21: ok(), foo_bar: ok() })).toBe(
        'MULTIPLE_AGE_GATES_NOT_ALLOWED',
      );
      expect(semantics({ foo_bar: ok(), age_over_18: ok(), age_over_21: ok() })).toBe(
        'UNKNOWN_CLAIM_KEY',
      );
    });

    it('does not count an invalid age gate towards the limit of one', () => {
      expect(semantics({ age_over_18: ok(), age_over_abc: ok() })).toBe('INVALID_AGE_GATE_KEY');
    });

    it('visits integer-like keys first, whatever the insertion order', () => {
      const fields: ShareFieldsRequest = { age_over_11: ok() };
      fields['1'] = ok();
      expect(Object.keys(fields)).toEqual(['1', 'age_over_11']);
      expect(semantics(fields)).toBe('UNKNOWN_CLAIM_KEY');
    });
  });

  describe('rule 6: date_of_birth and an age gate conflict', () => {
    it('rejects date_of_birth with an age gate with DOB_AND_AGE_GATE_CONFLICT', () => {
      expect(semantics({ date_of_birth: ok(), age_over_18: ok() })).toBe(
        'DOB_AND_AGE_GATE_CONFLICT',
      );
      expect(semantics({ age_over_018: ok(), date_of_birth: ok('x', false) })).toBe(
        'DOB_AND_AGE_GATE_CONFLICT',
      );
    });

    it('checks the conflict only after every entry passed', () => {
      expect(semantics({ date_of_birth: ok(), age_over_18: ok(), foo_bar: ok() })).toBe(
        'UNKNOWN_CLAIM_KEY',
      );
      expect(semantics({ date_of_birth: ok(), age_over_18: ok(), age_over_21: ok() })).toBe(
        'MULTIPLE_AGE_GATES_NOT_ALLOWED',
      );
      expect(semantics({ date_of_birth: ok(), age_over_18: ok(), sex_marker: ok(' ') })).toBe(
        'REASON_REQUIRED',
      );
    });

    it('accepts date_of_birth alone', () => {
      expect(semantics({ date_of_birth: ok() })).toBeNull();
    });
  });
});

describe('the examples of §3.6.4, through both stages', () => {
  it.each<[string, unknown, string]>([
    ['["nationality_code"]', ['nationality_code'], 'INVALID_SHARE_FIELDS'],
    ['{"foo_bar":{…}}', { foo_bar: ok() }, 'UNKNOWN_CLAIM_KEY'],
    [
      '{"nationality_code":{"required":true}}',
      { nationality_code: { required: true } },
      'REASON_REQUIRED',
    ],
    ['a 201-character reason', { nationality_code: ok('x'.repeat(201)) }, 'REASON_TOO_LONG'],
    [
      'age_over_18 + age_over_21',
      { age_over_18: ok(), age_over_21: ok() },
      'MULTIPLE_AGE_GATES_NOT_ALLOWED',
    ],
    [
      'date_of_birth + age_over_18',
      { date_of_birth: ok(), age_over_18: ok() },
      'DOB_AND_AGE_GATE_CONFLICT',
    ],
    ['{"age_over_11":…}', { age_over_11: ok() }, 'INVALID_AGE_GATE_KEY'],
    ['33 unknown keys', manyKeys(33), 'TOO_MANY_SHARE_FIELDS'],
    ['a blank reason', { nationality_code: ok('   ') }, 'REASON_REQUIRED'],
  ])('maps %s to its code', (_label, value, code) => {
    expect(validate(value)).toBe(code);
  });

  it('accepts the request of the §3.2 example', () => {
    expect(
      validate({
        age_over_18: ok('Confirm you are an adult.'),
        nationality_code: ok('Shipping restrictions.', false),
      }),
    ).toBeNull();
  });
});

describe('the entry a violation names (param)', () => {
  const paramOf = (violation: ShareContractViolation | null) => violation && { code: violation.code, param: violation.param };

  it.each<[string, unknown, { code: string; param: string | undefined }]>([
    ['a missing reason', { a_key: ok(), nationality_code: { required: true } }, { code: 'REASON_REQUIRED', param: 'share_fields.nationality_code.reason' }],
    ['a reason too long', { given_names: ok('x'.repeat(201)) }, { code: 'REASON_TOO_LONG', param: 'share_fields.given_names.reason' }],
    ['a non-boolean required', { nationality_code: { required: 'yes', reason: 'r' } }, { code: 'INVALID_SHARE_FIELDS', param: 'share_fields.nationality_code' }],
    ['an entry that is not an object', { nationality_code: 'please' }, { code: 'INVALID_SHARE_FIELDS', param: 'share_fields.nationality_code' }],
    ['a map that is not an object', ['nationality_code'], { code: 'INVALID_SHARE_FIELDS', param: undefined }],
  ])('stage 1: %s', (_label, value, expected) => {
    expect(paramOf(checkShareFieldsShape(value))).toEqual(expected);
  });

  it.each<[string, ShareFieldsRequest, { code: string; param: string | undefined }]>([
    ['an unknown key', { nationality_code: ok(), favourite_colour: ok() }, { code: 'UNKNOWN_CLAIM_KEY', param: 'share_fields.favourite_colour' }],
    ['a blank reason once trimmed', { nationality_code: ok('   ') }, { code: 'REASON_REQUIRED', param: 'share_fields.nationality_code.reason' }],
    ['an age gate out of range', { age_over_7: ok() }, { code: 'INVALID_AGE_GATE_KEY', param: 'share_fields.age_over_7' }],
    ['a second age gate', { age_over_18: ok(), age_over_21: ok() }, { code: 'MULTIPLE_AGE_GATES_NOT_ALLOWED', param: 'share_fields.age_over_21' }],
    ['date_of_birth with an age gate', { date_of_birth: ok(), age_over_18: ok() }, { code: 'DOB_AND_AGE_GATE_CONFLICT', param: undefined }],
    ['too many entries', manyKeys(33), { code: 'TOO_MANY_SHARE_FIELDS', param: undefined }],
  ])('stage 2: %s', (_label, fields, expected) => {
    expect(paramOf(checkShareFieldsSemantics(fields))).toEqual(expected);
  });
});

describe('shareContractExamples', () => {
  it('gives one real violation of every code', () => {
    const codes = new Set(shareContractExamples().map((violation) => violation.code));
    expect([...codes].sort()).toEqual([...SHARE_CONTRACT_CODES].sort());
  });
});
