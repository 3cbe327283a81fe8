import { normalizeShareFields } from './normalize.js';
import { shareRequestFields } from './share-request.js';

describe('shareRequestFields', () => {
  it('lists the fields in key order with their labels, reasons and required flags', () => {
    const fields = normalizeShareFields({
      nationality_code: { required: true, reason: 'Checks eligibility' },
      age_over_18: { required: false, reason: '  Proves   age ' },
    });
    expect(shareRequestFields(fields)).toEqual([
      { key: 'age_over_18', label: 'Age Over 18', reason: 'Proves age', required: false },
      { key: 'kayle_document_id', label: expect.any(String), reason: expect.any(String), required: true },
      { key: 'nationality_code', label: expect.any(String), reason: 'Checks eligibility', required: true },
    ]);
  });

  it('sorts the keys itself, whatever order the stored fields come in', () => {
    const stored = {
      nationality_code: { required: false, reason: 'n', source: 'rc' as const },
      date_of_birth: { required: true, reason: 'd', source: 'rc' as const },
    };
    expect(shareRequestFields(stored).map((field) => field.key)).toEqual(['date_of_birth', 'nationality_code']);
  });

  it('refuses a stored key that is not a claim', () => {
    expect(() => shareRequestFields({ not_a_claim: { required: false, reason: 'x', source: 'rc' } })).toThrow(RangeError);
  });
});
