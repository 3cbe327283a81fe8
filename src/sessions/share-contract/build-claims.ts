import { isAgeOver, parseIsoDate, utcToday, type Portrait, type Td3Mrz } from '../../emrtd/index.js';
import { parseAgeGateThreshold, type StaticClaimKey } from './claim-catalogue.js';
import { kayleDocumentId } from './kayle-document-id.js';

export interface DocumentPhotoClaim {
  dataBase64: string;
  format: Portrait['format'];
  height: number;
  width: number;
}

export interface BuildClaimsInput {
  mrz: Td3Mrz;
  portrait: Portrait;
  /** Keys already accepted by the share selection (§6.10). */
  selectedKeys: readonly string[];
  organizationId: string;
  serverSecret: string;
  now: Date;
}

/**
 * The claims of §6.11 for exactly the selected keys, in ascending key order. A key outside the
 * catalogue is a programming error (the selection was checked against the offered fields) and
 * throws a RangeError.
 */
export function buildClaims(input: BuildClaimsInput): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const key of [...new Set(input.selectedKeys)].sort()) {
    claims[key] = claimValue(key, input);
  }
  return claims;
}

function claimValue(key: string, input: BuildClaimsInput): unknown {
  const { mrz } = input;
  const staticValues: Record<StaticClaimKey, () => unknown> = {
    date_of_birth: () => mrz.dateOfBirth,
    document_expiry_date: () => mrz.documentExpiryDate,
    document_number: () => mrz.documentNumber,
    document_photo: () => documentPhoto(input.portrait),
    document_type_code: () => mrz.documentTypeCode,
    family_name: () => mrz.familyName,
    given_names: () => mrz.givenNames,
    issuing_country_code: () => mrz.issuingCountryCode,
    kayle_document_id: () =>
      kayleDocumentId(input.serverSecret, input.organizationId, {
        issuingCountryCode: mrz.issuingCountryCode,
        documentTypeCode: mrz.documentTypeCode,
        documentNumber: mrz.documentNumber,
      }),
    kayle_human_id: () => null,
    mrz_optional_data: () => mrz.mrzOptionalData,
    nationality_code: () => mrz.nationalityCode,
    sex_marker: () => mrz.sexMarker,
  };
  if (Object.prototype.hasOwnProperty.call(staticValues, key)) return staticValues[key as StaticClaimKey]();

  const threshold = parseAgeGateThreshold(key);
  if (threshold !== null) return isAgeOver(parseIsoDate(mrz.dateOfBirth), threshold, utcToday(input.now));
  throw new RangeError(`Not a claim key: ${JSON.stringify(key)}`);
}

function documentPhoto(portrait: Portrait): DocumentPhotoClaim {
  const { image } = portrait;
  return {
    dataBase64: Buffer.from(image.buffer, image.byteOffset, image.byteLength).toString('base64'),
    format: portrait.format,
    height: portrait.height,
    width: portrait.width,
  };
}
