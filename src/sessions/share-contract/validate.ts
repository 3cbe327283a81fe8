import {
  DATE_OF_BIRTH,
  isAgeGateKey,
  isStaticClaimKey,
  parseAgeGateThreshold,
} from './claim-catalogue.js';
import { ShareContractViolation } from './share-contract.errors.js';

export const MAX_SHARE_FIELDS = 32;
export const MAX_REASON_LENGTH = 200;

export interface ShareFieldRequest {
  required: boolean;
  reason: string;
}

export type ShareFieldsRequest = Record<string, ShareFieldRequest>;

type PlainObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Own properties only: a missing `reason`/`required` must not be satisfied by
// something inherited from Object.prototype.
function ownProperty(object: PlainObject, name: string): unknown {
  return Object.hasOwn(object, name) ? object[name] : undefined;
}

const entryParam = (key: string): string => `share_fields.${key}`;
const reasonParam = (key: string): string => `share_fields.${key}.reason`;

/**
 * Stage 1 of §3.6.4 (rules 1-3). Call only when `share_fields` is present in
 * the body. On `null` the value has the shape of {@link ShareFieldsRequest}.
 */
export function checkShareFieldsShape(value: unknown): ShareContractViolation | null {
  if (!isPlainObject(value)) {
    return new ShareContractViolation('INVALID_SHARE_FIELDS');
  }
  const keys = Object.keys(value);

  // Rule 2 scans the whole map first, so a reason problem in a later entry
  // wins over a structural problem in an earlier one.
  for (const key of keys) {
    const entry = value[key];
    if (!isPlainObject(entry)) {
      continue;
    }
    const reason = ownProperty(entry, 'reason');
    if (typeof reason !== 'string' || reason === '') {
      return new ShareContractViolation('REASON_REQUIRED', reasonParam(key));
    }
    if (reason.length > MAX_REASON_LENGTH) {
      return new ShareContractViolation('REASON_TOO_LONG', reasonParam(key));
    }
  }

  for (const key of keys) {
    const entry = value[key];
    if (!isPlainObject(entry) || typeof ownProperty(entry, 'required') !== 'boolean') {
      return new ShareContractViolation('INVALID_SHARE_FIELDS', entryParam(key));
    }
  }
  return null;
}

/** Stage 2 of §3.6.4 (rules 4-6), on a map that passed stage 1. */
export function checkShareFieldsSemantics(
  fields: Readonly<Record<string, Readonly<ShareFieldRequest>>>,
): ShareContractViolation | null {
  const keys = Object.keys(fields);
  if (keys.length > MAX_SHARE_FIELDS) {
    return new ShareContractViolation('TOO_MANY_SHARE_FIELDS');
  }

  let ageGateSeen = false;
  for (const key of keys) {
    const trimmed = fields[key].reason.trim();
    if (trimmed === '') {
      return new ShareContractViolation('REASON_REQUIRED', reasonParam(key));
    }
    if (trimmed.length > MAX_REASON_LENGTH) {
      return new ShareContractViolation('REASON_TOO_LONG', reasonParam(key));
    }
    if (isAgeGateKey(key)) {
      if (parseAgeGateThreshold(key) === null) {
        return new ShareContractViolation('INVALID_AGE_GATE_KEY', entryParam(key));
      }
      if (ageGateSeen) {
        return new ShareContractViolation('MULTIPLE_AGE_GATES_NOT_ALLOWED', entryParam(key));
      }
      ageGateSeen = true;
    } else if (!isStaticClaimKey(key)) {
      return new ShareContractViolation('UNKNOWN_CLAIM_KEY', entryParam(key));
    }
  }

  if (ageGateSeen && Object.hasOwn(fields, DATE_OF_BIRTH)) {
    return new ShareContractViolation('DOB_AND_AGE_GATE_CONFLICT');
  }
  return null;
}

/**
 * One violation of each code, produced by the validators above from sample maps: what the
 * API document shows as examples is what a request like it gets.
 */
export function shareContractExamples(): ShareContractViolation[] {
  const entry = { required: true, reason: 'Shown to the user.' };
  const examples = [
    checkShareFieldsShape(['date_of_birth']),
    checkShareFieldsShape({ nationality_code: { required: true } }),
    checkShareFieldsShape({ nationality_code: { required: true, reason: 'x'.repeat(MAX_REASON_LENGTH + 1) } }),
    checkShareFieldsShape({ nationality_code: { required: 'yes', reason: 'Shown to the user.' } }),
    checkShareFieldsSemantics(Object.fromEntries(Array.from({ length: MAX_SHARE_FIELDS + 1 }, (_, i) => [`claim_${i}`, entry]))),
    checkShareFieldsSemantics({ favourite_colour: entry }),
    checkShareFieldsSemantics({ age_over_7: entry }),
    checkShareFieldsSemantics({ age_over_18: entry, age_over_21: entry }),
    checkShareFieldsSemantics({ date_of_birth: entry, age_over_18: entry }),
  ];
  return examples.filter((violation): violation is ShareContractViolation => violation !== null);
}
