import { claimLabel } from './claim-catalogue.js';
import type { NormalizedShareFields } from './normalize.js';

/** One field the user is asked to share, as the hosted page and the mobile app both show it. */
export interface ShareRequestField {
  key: string;
  label: string;
  reason: string;
  required: boolean;
}

/**
 * The labelled list of fields a session asks for, in key order (§6.6 `requested_fields`,
 * §6.7 `share_request`). The page and the app read it from here, so they cannot drift apart.
 */
export function shareRequestFields(shareFields: NormalizedShareFields): ShareRequestField[] {
  return Object.keys(shareFields)
    .sort()
    .map((key) => ({ key, label: claimLabel(key), reason: shareFields[key].reason, required: shareFields[key].required }));
}
