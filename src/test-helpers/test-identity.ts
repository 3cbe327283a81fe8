import { isAgeOver, parseIsoDate, PLACEHOLDER_PHOTO, utcToday } from '../emrtd/index.js';
import { kayleDocumentId, parseAgeGateThreshold } from '../sessions/share-contract/index.js';

/** The ICAO specimen of §6.11, the identity every successful test session shares (§7.2). */
export const SPECIMEN = {
  document_type_code: 'P',
  issuing_country_code: 'UTO',
  family_name: 'ERIKSSON',
  given_names: 'ANNA MARIA',
  document_number: 'L898902C3',
  nationality_code: 'UTO',
  date_of_birth: '1974-08-12',
  sex_marker: 'F',
  document_expiry_date: '2012-04-15',
  mrz_optional_data: 'ZE184226B',
} as const;

/** The claims of the test identity for the selected keys (§7.2), in ascending key order. */
export function testIdentityClaims(
  keys: readonly string[],
  context: { serverSecret: string; organizationId: string; now: Date },
): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const key of [...keys].sort()) {
    claims[key] = testIdentityClaim(key, context);
  }
  return claims;
}

function testIdentityClaim(key: string, context: { serverSecret: string; organizationId: string; now: Date }): unknown {
  if (key in SPECIMEN) return SPECIMEN[key as keyof typeof SPECIMEN];
  if (key === 'kayle_document_id') {
    return kayleDocumentId(context.serverSecret, context.organizationId, {
      issuingCountryCode: SPECIMEN.issuing_country_code,
      documentTypeCode: SPECIMEN.document_type_code,
      documentNumber: SPECIMEN.document_number,
    });
  }
  if (key === 'kayle_human_id') return null;
  if (key === 'document_photo') return { ...PLACEHOLDER_PHOTO };
  const threshold = parseAgeGateThreshold(key);
  if (threshold !== null) return isAgeOver(parseIsoDate(SPECIMEN.date_of_birth), threshold, utcToday(context.now));
  throw new RangeError(`No test identity value for claim ${key}`);
}
