/** A calendar date without a time zone. */
export interface CalendarDate {
  year: number;
  month: number; // 1..12
  day: number; // 1..31
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function parseIsoDate(value: string): CalendarDate {
  const [year, month, day] = value.split('-').map(Number);
  return { year, month, day };
}

export function utcToday(now: Date): CalendarDate {
  return { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate() };
}

/**
 * Full years between a birth date and `today` (§6.11). A 29 February birthday falls on
 * 1 March in years without one.
 */
export function fullYearsBetween(birth: CalendarDate, today: CalendarDate): number {
  let years = today.year - birth.year;
  let month = birth.month;
  let day = birth.day;
  if (month === 2 && day === 29 && !isLeapYear(today.year)) {
    month = 3;
    day = 1;
  }
  if (today.month < month || (today.month === month && today.day < day)) years -= 1;
  return years;
}

export function isAgeOver(birth: CalendarDate, threshold: number, today: CalendarDate): boolean {
  return fullYearsBetween(birth, today) >= threshold;
}
