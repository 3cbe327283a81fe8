import fc from 'fast-check';
import {
  STATIC_CLAIM_KEYS,
  checkShareFieldsSemantics,
  checkShareFieldsShape,
  normalizeShareFields,
  parseAgeGateThreshold,
  type NormalizedShareFields,
  type ShareFieldsRequest,
} from './index.js';

const WHITESPACE = [' ', '\t', '\n', '\r', '\u00a0', '\u2003', '\u3000', '\ufeff', '\u2028'];

const whitespaceRun = fc
  .array(fc.constantFrom(...WHITESPACE), { minLength: 1, maxLength: 4 })
  .map((chars) => chars.join(''));

const word = fc
  .array(
    fc.oneof(
      fc.constantFrom(...'abcXYZ019.,!?"\'`-_'.split('')),
      fc.constantFrom('é', 'ß', '😀', '中'),
    ),
    { minLength: 1, maxLength: 12 },
  )
  .map((chars) => chars.join(''));

// Random words separated, preceded and followed by random whitespace runs;
// filtered to the 200 code units stage 1 allows before trimming.
const validReason = fc
  .tuple(
    fc.option(whitespaceRun, { nil: '' }),
    fc.array(fc.tuple(word, whitespaceRun), { minLength: 1, maxLength: 10 }),
    fc.option(whitespaceRun, { nil: '' }),
  )
  .map(([lead, parts, trail]) => {
    const body = parts.map(([w, ws], i) => (i === parts.length - 1 ? w : w + ws)).join('');
    return lead + body + trail;
  })
  .filter((reason) => reason.length <= 200);

const ageGateKey = fc
  .tuple(fc.integer({ min: 12, max: 130 }), fc.nat({ max: 3 }))
  .map(([n, zeros]) => `age_over_${'0'.repeat(zeros)}${n}`);

const entry = fc.record({ required: fc.boolean(), reason: validReason });

const validKeys = fc
  .tuple(
    fc.subarray(STATIC_CLAIM_KEYS.filter((key) => key !== 'date_of_birth')),
    fc.oneof(
      fc.constant<string[]>([]),
      fc.constant(['date_of_birth']),
      ageGateKey.map((key) => [key]),
    ),
  )
  .chain(([statics, extra]) => fc.shuffledSubarray([...statics, ...extra], {
    minLength: statics.length + extra.length,
  }));

const validRequest: fc.Arbitrary<ShareFieldsRequest> = validKeys.chain((keys) =>
  fc
    .tuple(...keys.map(() => entry))
    .map((entries) => Object.fromEntries(keys.map((key, i) => [key, entries[i]]))),
);

const collapse = (reason: string) => reason.trim().replace(/\s+/g, ' ');

const asRequest = (normalized: NormalizedShareFields): ShareFieldsRequest =>
  Object.fromEntries(
    Object.entries(normalized).map(([key, { required, reason }]) => [key, { required, reason }]),
  );

const isSorted = (keys: string[]) => keys.every((key, i) => i === 0 || keys[i - 1] < key);

describe('share_fields contract properties', () => {
  it('accepts every valid request map in both stages', () => {
    fc.assert(
      fc.property(validRequest, (request) => {
        expect(checkShareFieldsShape(request)).toBeNull();
        expect(checkShareFieldsSemantics(request)).toBeNull();
      }),
    );
  });

  it('accepts valid maps even after a JSON round trip', () => {
    fc.assert(
      fc.property(validRequest, (request) => {
        const parsed = JSON.parse(JSON.stringify(request)) as unknown;
        expect(checkShareFieldsShape(parsed)).toBeNull();
        expect(checkShareFieldsSemantics(parsed as ShareFieldsRequest)).toBeNull();
      }),
    );
  });

  it('normalizes a valid request into sorted keys, collapsed reasons and a required kayle_document_id', () => {
    fc.assert(
      fc.property(validRequest, (request) => {
        const normalized = normalizeShareFields(request);
        const keys = Object.keys(normalized);

        expect(isSorted(keys)).toBe(true);
        expect(new Set(keys)).toEqual(new Set([...Object.keys(request), 'kayle_document_id']));
        expect(normalized.kayle_document_id.required).toBe(true);

        for (const [key, { required, reason }] of Object.entries(request)) {
          expect(normalized[key]).toEqual({
            required: key === 'kayle_document_id' ? true : required,
            reason: collapse(reason),
            source: 'rc',
          });
          expect(normalized[key].reason).not.toMatch(/^\s|\s$|\s\s|[^ \S]/);
        }
        if (!Object.hasOwn(request, 'kayle_document_id')) {
          expect(normalized.kayle_document_id).toEqual({
            required: true,
            reason: 'Sharing "Kayle Document ID"',
            source: 'default',
          });
        }
        expect(keys.filter((key) => parseAgeGateThreshold(key) !== null).length).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('is idempotent: re-normalizing the output changes only the source of a defaulted field', () => {
    fc.assert(
      fc.property(validRequest, (request) => {
        const once = normalizeShareFields(request);
        const fedBack = asRequest(once);
        expect(checkShareFieldsShape(fedBack)).toBeNull();
        expect(checkShareFieldsSemantics(fedBack)).toBeNull();
        // The stored object, source included, is itself an acceptable request.
        expect(checkShareFieldsShape(once)).toBeNull();

        const twice = normalizeShareFields(fedBack);
        expect(Object.keys(twice)).toEqual(Object.keys(once));
        for (const key of Object.keys(once)) {
          expect(twice[key]).toEqual({
            required: once[key].required,
            reason: once[key].reason,
            source: 'rc',
          });
        }
        expect(normalizeShareFields(asRequest(twice))).toEqual(twice);
      }),
    );
  });

  it('never throws in stage 1, whatever JSON it is given', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const violation = checkShareFieldsShape(value);
        if (violation === null) {
          expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
        } else {
          expect(['INVALID_SHARE_FIELDS', 'REASON_REQUIRED', 'REASON_TOO_LONG']).toContain(
            violation.code,
          );
        }
      }),
    );
  });

  it('never throws in stage 2 on any map that passed stage 1', () => {
    const anyKey = fc.oneof(
      fc.string(),
      fc.constantFrom(...STATIC_CLAIM_KEYS),
      fc.string({ unit: fc.constantFrom('0', '1', '8', 'a', ' ') }).map((s) => `age_over_${s}`),
    );
    const anyEntry = fc.record({
      required: fc.boolean(),
      reason: fc.string({ minLength: 1, maxLength: 200 }),
    });
    fc.assert(
      fc.property(fc.dictionary(anyKey, anyEntry, { maxKeys: 40 }), (fields) => {
        expect(checkShareFieldsShape(fields)).toBeNull();
        const violation = checkShareFieldsSemantics(fields);
        if (violation === null) {
          expect(() => normalizeShareFields(fields)).not.toThrow();
        }
      }),
    );
  });
});
