export const STATIC_CLAIM_LABELS = Object.freeze({
  date_of_birth: 'Date of Birth',
  document_expiry_date: 'Document Expiry Date',
  document_number: 'Document Number',
  document_photo: 'Document Photo',
  document_type_code: 'Document Type Code',
  family_name: 'Family Name',
  given_names: 'Given Names',
  issuing_country_code: 'Issuing Country Code',
  kayle_document_id: 'Kayle Document ID',
  kayle_human_id: 'Kayle Human ID',
  mrz_optional_data: 'MRZ Optional Data',
  nationality_code: 'Nationality Code',
  sex_marker: 'Sex Marker',
} as const);

export type StaticClaimKey = keyof typeof STATIC_CLAIM_LABELS;

export const STATIC_CLAIM_KEYS: readonly StaticClaimKey[] = Object.freeze(
  (Object.keys(STATIC_CLAIM_LABELS) as StaticClaimKey[]).sort(),
);

export const KAYLE_DOCUMENT_ID = 'kayle_document_id' satisfies StaticClaimKey;
export const DATE_OF_BIRTH = 'date_of_birth' satisfies StaticClaimKey;

export const AGE_GATE_PREFIX = 'age_over_';
export const AGE_GATE_MIN = 12;
export const AGE_GATE_MAX = 130;

// A Set rather than `key in LABELS`, so inherited names such as `toString`,
// `constructor` or `__proto__` are never mistaken for claims.
const STATIC_CLAIM_KEY_SET: ReadonlySet<string> = new Set(STATIC_CLAIM_KEYS);

// No `u` flag needed: `[0-9]` is ASCII-only either way, so other scripts'
// digits, signs, dots and whitespace all fail.
const AGE_GATE_PATTERN = /^age_over_([0-9]+)$/;

export function isStaticClaimKey(key: string): key is StaticClaimKey {
  return STATIC_CLAIM_KEY_SET.has(key);
}

export function isAgeGateKey(key: string): boolean {
  return key.startsWith(AGE_GATE_PREFIX);
}

export function parseAgeGateThreshold(key: string): number | null {
  const match = AGE_GATE_PATTERN.exec(key);
  if (match === null) {
    return null;
  }
  // Leading zeros are allowed in any number; an absurdly long digit run
  // becomes a huge number or Infinity and is rejected by the range check.
  const threshold = Number(match[1]);
  return threshold >= AGE_GATE_MIN && threshold <= AGE_GATE_MAX ? threshold : null;
}

export function claimLabel(key: string): string {
  if (isStaticClaimKey(key)) {
    return STATIC_CLAIM_LABELS[key];
  }
  const threshold = parseAgeGateThreshold(key);
  if (threshold !== null) {
    return `Age Over ${threshold}`;
  }
  throw new RangeError(`Not a valid claim key: ${JSON.stringify(key)}`);
}
