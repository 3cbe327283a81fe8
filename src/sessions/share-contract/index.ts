export {
  AGE_GATE_MAX,
  AGE_GATE_MIN,
  AGE_GATE_PREFIX,
  DATE_OF_BIRTH,
  KAYLE_DOCUMENT_ID,
  STATIC_CLAIM_KEYS,
  STATIC_CLAIM_LABELS,
  claimLabel,
  isAgeGateKey,
  isStaticClaimKey,
  parseAgeGateThreshold,
} from './claim-catalogue.js';
export type { StaticClaimKey } from './claim-catalogue.js';
export {
  SHARE_CONTRACT_CODES,
  SHARE_CONTRACT_DOCS_PATH,
  SHARE_CONTRACT_ERRORS,
  SHARE_CONTRACT_HTTP_STATUS,
  ShareContractViolation,
} from './share-contract.errors.js';
export type { ShareContractCode, ShareContractErrorText } from './share-contract.errors.js';
export {
  MAX_REASON_LENGTH,
  MAX_SHARE_FIELDS,
  checkShareFieldsSemantics,
  checkShareFieldsShape,
  shareContractExamples,
} from './validate.js';
export type { ShareFieldRequest, ShareFieldsRequest } from './validate.js';
export { defaultReason, normalizeShareFields, reasonNormalize } from './normalize.js';
export type {
  NormalizedShareField,
  NormalizedShareFields,
  ShareFieldSource,
} from './normalize.js';
export { buildClaims, type BuildClaimsInput, type DocumentPhotoClaim } from './build-claims.js';
export { kayleDocumentId } from './kayle-document-id.js';
export {
  SHARE_SELECTION_MESSAGES,
  checkShareSelection,
  type ShareSelectionCode,
  type ShareSelectionResult,
} from './share-selection.js';
export { shareRequestFields, type ShareRequestField } from './share-request.js';
