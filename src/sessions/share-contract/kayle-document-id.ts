import { createHmac } from 'node:crypto';

const canonical = (value: string): string => value.trim().toUpperCase().replace(/\s+/g, '');

/**
 * A stable per-organization pseudonym for a document (§6.11): lowercase hex
 * HMAC-SHA256(SERVER_SECRET, `<organization_id>|<COUNTRY>|<TYPE>|<NUMBER>`).
 */
export function kayleDocumentId(
  serverSecret: string,
  organizationId: string,
  document: { issuingCountryCode: string; documentTypeCode: string; documentNumber: string },
): string {
  const message = [
    organizationId,
    canonical(document.issuingCountryCode),
    canonical(document.documentTypeCode),
    canonical(document.documentNumber),
  ].join('|');
  return createHmac('sha256', serverSecret).update(message, 'utf8').digest('hex');
}
