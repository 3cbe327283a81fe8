export type ShareContractCode =
  | 'INVALID_SHARE_FIELDS'
  | 'UNKNOWN_CLAIM_KEY'
  | 'INVALID_AGE_GATE_KEY'
  | 'MULTIPLE_AGE_GATES_NOT_ALLOWED'
  | 'DOB_AND_AGE_GATE_CONFLICT'
  | 'REASON_REQUIRED'
  | 'REASON_TOO_LONG'
  | 'TOO_MANY_SHARE_FIELDS';

export interface ShareContractErrorText {
  readonly message: string;
  readonly hint: string;
}

export const SHARE_CONTRACT_DOCS_PATH = 'sessions#create';

export const SHARE_CONTRACT_HTTP_STATUS = 400;

const entry = (message: string, hint: string): ShareContractErrorText =>
  Object.freeze({ message, hint });

export const SHARE_CONTRACT_ERRORS: Readonly<Record<ShareContractCode, ShareContractErrorText>> =
  Object.freeze({
    INVALID_SHARE_FIELDS: entry(
      'Invalid share_fields payload.',
      'share_fields must be an object map of claim keys.',
    ),
    UNKNOWN_CLAIM_KEY: entry(
      'Unknown claim key.',
      'Use a supported claim key from the share contract allowlist.',
    ),
    INVALID_AGE_GATE_KEY: entry(
      'Invalid age gate claim key.',
      'Use `age_over_<integer>` with a valid threshold, for example `age_over_18`.',
    ),
    MULTIPLE_AGE_GATES_NOT_ALLOWED: entry(
      'Multiple age gate claims are not allowed.',
      'Only one age_over_X claim can be provided per session.',
    ),
    DOB_AND_AGE_GATE_CONFLICT: entry(
      'date_of_birth cannot be combined with age gate claims.',
      'Use either date_of_birth or one age_over_X claim, but not both.',
    ),
    REASON_REQUIRED: entry(
      'Each share field requires a reason.',
      'Provide a non-empty reason for every requested claim.',
    ),
    REASON_TOO_LONG: entry('Reason is too long.', 'Reason must be 200 characters or fewer.'),
    TOO_MANY_SHARE_FIELDS: entry(
      'Too many share fields requested.',
      'The maximum number of share fields is 32.',
    ),
  });

export const SHARE_CONTRACT_CODES: readonly ShareContractCode[] = Object.freeze(
  Object.keys(SHARE_CONTRACT_ERRORS) as ShareContractCode[],
);

// Deliberately not an Error subclass: violations are returned, not thrown,
// and the HTTP layer maps them to its own exception type.
export class ShareContractViolation {
  /**
   * `param` names the one entry at fault, as a dotted path (`share_fields.<key>` or
   * `share_fields.<key>.reason`); codes about the whole map have none.
   */
  constructor(
    readonly code: ShareContractCode,
    readonly param?: string,
  ) {}

  get message(): string {
    return SHARE_CONTRACT_ERRORS[this.code].message;
  }

  get hint(): string {
    return SHARE_CONTRACT_ERRORS[this.code].hint;
  }

  get docsPath(): string {
    return SHARE_CONTRACT_DOCS_PATH;
  }
}
