import type { StaticClaimKey } from '../sessions/share-contract/claim-catalogue.js';

/**
 * What the hosted page tells a person about a claim whose business gave no reason of its
 * own (the automatic `Sharing "<label>"` reason, §3.6.3). `{org}` is the organization's
 * name, or "the organization asking you" when it was never named.
 */
export const DEFAULT_REASON_SENTENCES: Readonly<Record<StaticClaimKey, string>> = Object.freeze({
  kayle_document_id:
    'A private identifier for this passport, so {org} can recognize you next time without learning your passport number.',
  kayle_human_id: 'A private identifier for you across documents. It is not issued yet, so nothing is shared for it.',
  date_of_birth: 'Your date of birth, as printed in your passport.',
  document_expiry_date: 'The date your passport expires.',
  document_number: 'Your passport number.',
  document_photo: 'The photo stored in your passport’s chip.',
  document_type_code: 'The type of your travel document (P for a passport).',
  family_name: 'Your family name, as printed in your passport.',
  given_names: 'Your given names, as printed in your passport.',
  issuing_country_code: 'The country that issued your passport.',
  mrz_optional_data: 'The optional data printed at the bottom of your passport’s photo page (in some countries, a personal number).',
  nationality_code: 'Your nationality, as printed in your passport.',
  sex_marker: 'The sex marker printed in your passport.',
});

/** The age gates' automatic reason: `{n}` is the age. */
export const AGE_GATE_REASON_SENTENCE = 'Only whether you are at least {n} years old, not your date of birth.';

/** The organization name the first run creates: a page treats it as "not named". */
export const UNNAMED_ORGANIZATION = 'Default';

export interface PageCopy {
  app_name: string;
  app_url: string;
  default_reasons: Record<string, string>;
  age_gate_reason: string;
  unnamed_organization: string;
}

export function pageCopy(app: { name: string; url: string }): PageCopy {
  return {
    app_name: app.name,
    app_url: app.url,
    default_reasons: { ...DEFAULT_REASON_SENTENCES },
    age_gate_reason: AGE_GATE_REASON_SENTENCE,
    unnamed_organization: UNNAMED_ORGANIZATION,
  };
}
