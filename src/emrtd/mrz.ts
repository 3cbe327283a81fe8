import { isLeapYear, utcToday, type CalendarDate } from './calendar.js';

/** The fields of a TD3 (passport) machine-readable zone, as the claims of §6.11 deliver them. */
export interface Td3Mrz {
  documentTypeCode: string;
  issuingCountryCode: string;
  familyName: string;
  givenNames: string;
  documentNumber: string;
  nationalityCode: string;
  /** `YYYY-MM-DD` */
  dateOfBirth: string;
  sexMarker: 'M' | 'F' | 'X';
  /** `YYYY-MM-DD` */
  documentExpiryDate: string;
  mrzOptionalData: string;
}

/** Why an MRZ was refused. Callers report every one of them as `document_data_invalid`. */
export type MrzFailureReason =
  | 'mrz_not_td3'
  | 'mrz_charset'
  | 'document_number_check_digit'
  | 'birth_date_check_digit'
  | 'birth_date_invalid'
  | 'sex_marker_invalid'
  | 'expiry_date_check_digit'
  | 'expiry_date_invalid'
  | 'optional_data_check_digit'
  | 'composite_check_digit';

export type Td3ParseResult = { ok: true; mrz: Td3Mrz } | { ok: false; reason: MrzFailureReason };

export const TD3_LINE_LENGTH = 44;
const FILLER = '<';
const MRZ_LINE = /^[A-Z0-9<]{44}$/;
const MRZ_WEIGHTS = [7, 3, 1] as const;

/** The ICAO 9303 check digit of `value`: weights 7-3-1, digits by value, A-Z as 10-35, `<` as 0. */
export function mrzCheckDigit(value: string): number {
  let sum = 0;
  for (let i = 0; i < value.length; i += 1) {
    sum += mrzCharValue(value.charCodeAt(i)) * MRZ_WEIGHTS[i % 3];
  }
  return sum % 10;
}

function mrzCharValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30; // 0-9
  if (code >= 0x41 && code <= 0x5a) return code - 0x41 + 10; // A-Z
  return 0; // '<'; the charset is checked before any check digit is computed
}

function checkDigitMatches(value: string, digit: string): boolean {
  return digit >= '0' && digit <= '9' && Number(digit) === mrzCheckDigit(value);
}

const withoutFillers = (value: string): string => value.split(FILLER).join('');

const fillersToSpaces = (value: string): string => value.replaceAll(FILLER, ' ').trim().replace(/ +/g, ' ');

/** Splits the name field at the first `<<`; without one the whole field is the family name. */
export function parseMrzName(field: string): { familyName: string; givenNames: string } {
  const split = field.indexOf(FILLER + FILLER);
  if (split < 0) return { familyName: fillersToSpaces(field), givenNames: '' };
  return { familyName: fillersToSpaces(field.slice(0, split)), givenNames: fillersToSpaces(field.slice(split + 2)) };
}

interface YyMmDd {
  yy: number;
  month: number;
  day: number;
}

function splitYyMmDd(field: string): YyMmDd | null {
  if (!/^[0-9]{6}$/.test(field)) return null;
  return { yy: Number(field.slice(0, 2)), month: Number(field.slice(2, 4)), day: Number(field.slice(4, 6)) };
}

/**
 * The latest year not after `max` whose last two digits are `yy`. Both windows of §6.11 span more
 * than 100 years, so their lower bounds never bind.
 */
function latestYearEndingIn(yy: number, max: number): number {
  return max - ((((max % 100) - yy) % 100) + 100) % 100;
}

function isCalendarDate(date: CalendarDate): boolean {
  if (date.year < 1 || date.month < 1 || date.month > 12 || date.day < 1) return false;
  const days = [31, isLeapYear(date.year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return date.day <= days[date.month - 1];
}

function compareDates(a: CalendarDate, b: CalendarDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

export const formatCalendarDate = (date: CalendarDate): string =>
  `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;

/**
 * Birth date century (§6.11): the latest year in [now−130, now] ending in YY (always within the
 * last 100 years); if that date is after today (UTC), 100 years earlier. Null unless it is a real
 * calendar date in the year finally chosen.
 */
export function resolveBirthDate(field: string, now: Date): CalendarDate | null {
  const parts = splitYyMmDd(field);
  if (parts === null) return null;
  const today = utcToday(now);
  let date: CalendarDate = { year: latestYearEndingIn(parts.yy, today.year), month: parts.month, day: parts.day };
  if (compareDates(date, today) > 0) date = { ...date, year: date.year - 100 };
  return isCalendarDate(date) ? date : null;
}

/** Expiry date century (§6.11): the latest year in [now−50, now+50] ending in YY. */
export function resolveExpiryDate(field: string, now: Date): CalendarDate | null {
  const parts = splitYyMmDd(field);
  if (parts === null) return null;
  const date: CalendarDate = {
    year: latestYearEndingIn(parts.yy, now.getUTCFullYear() + 50),
    month: parts.month,
    day: parts.day,
  };
  return isCalendarDate(date) ? date : null;
}

function parseSexMarker(char: string): Td3Mrz['sexMarker'] | null {
  if (char === 'M' || char === 'F') return char;
  if (char === 'X' || char === FILLER) return 'X';
  return null;
}

const fail = (reason: MrzFailureReason): Td3ParseResult => ({ ok: false, reason });

/**
 * Parses the two 44-character lines of a TD3 MRZ (§6.11) as of `now` (UTC), which fixes the
 * century of both dates. Check digits are verified before the values they protect are read.
 */
export function parseTd3(line1: string, line2: string, now: Date): Td3ParseResult {
  if (line1.length !== TD3_LINE_LENGTH || line2.length !== TD3_LINE_LENGTH) return fail('mrz_not_td3');
  if (!MRZ_LINE.test(line1) || !MRZ_LINE.test(line2)) return fail('mrz_charset');

  const documentNumber = line2.slice(0, 9);
  if (!checkDigitMatches(documentNumber, line2[9])) return fail('document_number_check_digit');

  const birthField = line2.slice(13, 19);
  if (!checkDigitMatches(birthField, line2[19])) return fail('birth_date_check_digit');
  const dateOfBirth = resolveBirthDate(birthField, now);
  if (dateOfBirth === null) return fail('birth_date_invalid');

  const sexMarker = parseSexMarker(line2[20]);
  if (sexMarker === null) return fail('sex_marker_invalid');

  const expiryField = line2.slice(21, 27);
  if (!checkDigitMatches(expiryField, line2[27])) return fail('expiry_date_check_digit');
  const documentExpiryDate = resolveExpiryDate(expiryField, now);
  if (documentExpiryDate === null) return fail('expiry_date_invalid');

  const optionalData = line2.slice(28, 42);
  const optionalDigit = line2[42];
  const optionalIsEmpty = withoutFillers(optionalData) === '';
  if (!(optionalDigit === FILLER && optionalIsEmpty) && !checkDigitMatches(optionalData, optionalDigit)) {
    return fail('optional_data_check_digit');
  }

  const composite = line2.slice(0, 10) + line2.slice(13, 20) + line2.slice(21, 43);
  if (!checkDigitMatches(composite, line2[43])) return fail('composite_check_digit');

  const { familyName, givenNames } = parseMrzName(line1.slice(5, 44));
  return {
    ok: true,
    mrz: {
      documentTypeCode: withoutFillers(line1.slice(0, 2)),
      issuingCountryCode: withoutFillers(line1.slice(2, 5)),
      familyName,
      givenNames,
      documentNumber: withoutFillers(documentNumber),
      nationalityCode: withoutFillers(line2.slice(10, 13)),
      dateOfBirth: formatCalendarDate(dateOfBirth),
      sexMarker,
      documentExpiryDate: formatCalendarDate(documentExpiryDate),
      mrzOptionalData: withoutFillers(optionalData),
    },
  };
}
