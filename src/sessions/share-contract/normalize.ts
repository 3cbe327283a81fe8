import {
  KAYLE_DOCUMENT_ID,
  STATIC_CLAIM_KEYS,
  claimLabel,
} from './claim-catalogue.js';
import type { ShareFieldRequest } from './validate.js';

export type ShareFieldSource = 'rc' | 'default';

export interface NormalizedShareField {
  required: boolean;
  reason: string;
  source: ShareFieldSource;
}

export type NormalizedShareFields = Record<string, NormalizedShareField>;

export function reasonNormalize(reason: string): string {
  return reason.trim().replace(/\s+/g, ' ');
}

export function defaultReason(key: string): string {
  return `Sharing "${claimLabel(key)}"`;
}

function defaultField(key: string): NormalizedShareField {
  return { required: key === KAYLE_DOCUMENT_ID, reason: defaultReason(key), source: 'default' };
}

// Claim keys are ASCII, where UTF-16 code-unit order (the default sort) and
// code-point order coincide. Object.fromEntries keeps insertion order for
// non-integer-like keys and defines own properties, so a hostile key could
// never reach a prototype setter.
function sortedByKey(entries: [string, NormalizedShareField][]): NormalizedShareFields {
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries);
}

/** §3.6.3. `requested` must have passed both validation stages. */
export function normalizeShareFields(
  requested: Readonly<Record<string, Readonly<ShareFieldRequest>>> | undefined,
): NormalizedShareFields {
  if (requested === undefined) {
    return sortedByKey(STATIC_CLAIM_KEYS.map((key) => [key, defaultField(key)]));
  }

  const entries: [string, NormalizedShareField][] = Object.keys(requested).map((key) => {
    const { required, reason } = requested[key];
    return [
      key,
      {
        required: key === KAYLE_DOCUMENT_ID ? true : required,
        reason: reasonNormalize(reason),
        source: 'rc',
      },
    ];
  });
  if (!Object.hasOwn(requested, KAYLE_DOCUMENT_ID)) {
    entries.push([KAYLE_DOCUMENT_ID, defaultField(KAYLE_DOCUMENT_ID)]);
  }
  return sortedByKey(entries);
}
