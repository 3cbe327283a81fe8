import {
  SHARE_CONTRACT_CODES,
  SHARE_CONTRACT_DOCS_PATH,
  SHARE_CONTRACT_ERRORS,
  ShareContractViolation,
  type ShareContractCode,
} from './share-contract.errors.js';

describe('share contract error table', () => {
  it.each<[ShareContractCode, string, string]>([
    [
      'INVALID_SHARE_FIELDS',
      'Invalid share_fields payload.',
      'share_fields must be an object map of claim keys.',
    ],
    [
      'UNKNOWN_CLAIM_KEY',
      'Unknown claim key.',
      'Use a supported claim key from the share contract allowlist.',
    ],
    [
      'INVALID_AGE_GATE_KEY',
      'Invalid age gate claim key.',
      'Use `age_over_<integer>` with a valid threshold, for example `age_over_18`.',
    ],
    [
      'MULTIPLE_AGE_GATES_NOT_ALLOWED',
      'Multiple age gate claims are not allowed.',
      'Only one age_over_X claim can be provided per session.',
    ],
    [
      'DOB_AND_AGE_GATE_CONFLICT',
      'date_of_birth cannot be combined with age gate claims.',
      'Use either date_of_birth or one age_over_X claim, but not both.',
    ],
    [
      'REASON_REQUIRED',
      'Each share field requires a reason.',
      'Provide a non-empty reason for every requested claim.',
    ],
    ['REASON_TOO_LONG', 'Reason is too long.', 'Reason must be 200 characters or fewer.'],
    [
      'TOO_MANY_SHARE_FIELDS',
      'Too many share fields requested.',
      'The maximum number of share fields is 32.',
    ],
  ])('gives %s the exact contract message and hint', (code, message, hint) => {
    expect(SHARE_CONTRACT_ERRORS[code]).toEqual({ message, hint });
    const violation = new ShareContractViolation(code);
    expect(violation.code).toBe(code);
    expect(violation.message).toBe(message);
    expect(violation.hint).toBe(hint);
    expect(violation.docsPath).toBe('sessions#create');
  });

  it('has exactly eight codes', () => {
    expect([...SHARE_CONTRACT_CODES].sort()).toEqual([
      'DOB_AND_AGE_GATE_CONFLICT',
      'INVALID_AGE_GATE_KEY',
      'INVALID_SHARE_FIELDS',
      'MULTIPLE_AGE_GATES_NOT_ALLOWED',
      'REASON_REQUIRED',
      'REASON_TOO_LONG',
      'TOO_MANY_SHARE_FIELDS',
      'UNKNOWN_CLAIM_KEY',
    ]);
  });

  it('points every code at the sessions#create docs anchor', () => {
    expect(SHARE_CONTRACT_DOCS_PATH).toBe('sessions#create');
  });

  it('cannot be mutated at runtime', () => {
    expect(Object.isFrozen(SHARE_CONTRACT_ERRORS)).toBe(true);
    for (const code of SHARE_CONTRACT_CODES) {
      expect(Object.isFrozen(SHARE_CONTRACT_ERRORS[code])).toBe(true);
    }
    expect(Object.isFrozen(SHARE_CONTRACT_CODES)).toBe(true);
  });
});
