import type { NormalizedShareFields } from './normalize.js';

export type ShareSelectionCode =
  | 'SHARE_SELECTION_REQUIRED'
  | 'SHARE_SELECTION_INVALID_FIELD'
  | 'SHARE_SELECTION_MISSING_REQUIRED';

export const SHARE_SELECTION_MESSAGES: Record<ShareSelectionCode, string> = {
  SHARE_SELECTION_REQUIRED: 'Choose at least one verification detail before continuing.',
  SHARE_SELECTION_INVALID_FIELD:
    'One or more selected details are not available for this verification. Review the requested details and try again.',
  SHARE_SELECTION_MISSING_REQUIRED: 'Required verification details must stay selected before you can continue.',
};

export type ShareSelectionResult = { ok: true; keys: string[] } | { ok: false; code: ShareSelectionCode };

/**
 * Checks a user's selection against the offered fields (§6.10): keys are trimmed, empty
 * ones dropped, duplicates removed; the accepted selection is returned in ascending order.
 */
export function checkShareSelection(offered: NormalizedShareFields, selected: readonly string[]): ShareSelectionResult {
  const keys = [...new Set(selected.map((k) => k.trim()).filter((k) => k.length > 0))];
  if (keys.length === 0) return { ok: false, code: 'SHARE_SELECTION_REQUIRED' };
  if (keys.some((k) => !Object.prototype.hasOwnProperty.call(offered, k))) {
    return { ok: false, code: 'SHARE_SELECTION_INVALID_FIELD' };
  }
  const missing = Object.entries(offered).some(([key, field]) => field.required && !keys.includes(key));
  if (missing) return { ok: false, code: 'SHARE_SELECTION_MISSING_REQUIRED' };
  return { ok: true, keys: keys.sort() };
}
