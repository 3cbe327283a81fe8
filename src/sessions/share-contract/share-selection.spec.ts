import { normalizeShareFields } from './index.js';
import { checkShareSelection } from './share-selection.js';

describe('checkShareSelection', () => {
  const offered = normalizeShareFields({
    age_over_18: { required: true, reason: 'Adult check.' },
    nationality_code: { required: false, reason: 'Shipping.' },
  });

  it('accepts a selection with every required key, trimmed, deduplicated and sorted', () => {
    expect(checkShareSelection(offered, [' nationality_code', 'kayle_document_id', 'age_over_18', 'age_over_18'])).toEqual({
      ok: true,
      keys: ['age_over_18', 'kayle_document_id', 'nationality_code'],
    });
  });

  it('asks for at least one key when only blanks are sent', () => {
    expect(checkShareSelection(offered, ['  ', ''])).toEqual({ ok: false, code: 'SHARE_SELECTION_REQUIRED' });
  });

  it('rejects a key that was not offered before checking required ones', () => {
    expect(checkShareSelection(offered, ['date_of_birth'])).toEqual({ ok: false, code: 'SHARE_SELECTION_INVALID_FIELD' });
  });

  it('rejects a selection missing a required key', () => {
    expect(checkShareSelection(offered, ['age_over_18', 'nationality_code'])).toEqual({
      ok: false,
      code: 'SHARE_SELECTION_MISSING_REQUIRED',
    });
  });
});
