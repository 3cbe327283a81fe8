import { isAgeOver, parseIsoDate, utcToday } from '../claims/age.js';
import { jpegSize } from '../claims/image-size.js';
import { kayleDocumentId } from '../claims/kayle-document-id.js';
import { parseAgeGateThreshold } from '../sessions/share-contract/index.js';

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

/** A 24×32 placeholder portrait (baseline JPEG). */
const PLACEHOLDER_JPEG_BASE64 =
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wCEAA0JCgsKCA0LCgsODg0PEyAVExISEyccHhcgLikxMC4pLSwzOko+MzZGNywtQFdBRkxOUlNSMj5aYVpQYEpRUk8BDg4OExETJhUVJk81LTVPT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT//AABEIACAAGAMBEQACEQEDEQH/xAGiAAABBQEBAQEBAQAAAAAAAAAAAQIDBAUGBwgJCgsQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+gEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoLEQACAQIEBAMEBwUEBAABAncAAQIDEQQFITEGEkFRB2FxEyIygQgUQpGhscEJIzNS8BVictEKFiQ04SXxFxgZGiYnKCkqNTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqCg4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2dri4+Tl5ufo6ery8/T19vf4+fr/2gAMAwEAAhEDEQA/AM+OB5ZAkalmbgAVq2krsSVzUGg/KN1wAccgJn+tY+28jX2XmZs9rJbymORcEfkR6itYyUldGbTTszU0lALskgcIce3IqK3wl09zYrlNzL1lATCcDPIz+VdFHqY1egy2YwTB8ZHQj2rSceZWIjLldzUE0RGfMX865eSXY35l3M68k8+QbfurwP8AGumnDlWpjOXMx3l1oQHl0AHl0Af/2Q==';

const placeholderSize = jpegSize(Buffer.from(PLACEHOLDER_JPEG_BASE64, 'base64'))!;

export const PLACEHOLDER_PHOTO = {
  dataBase64: PLACEHOLDER_JPEG_BASE64,
  format: 'jpeg' as const,
  height: placeholderSize.height,
  width: placeholderSize.width,
};

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
