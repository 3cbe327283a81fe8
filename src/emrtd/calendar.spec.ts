import { fullYearsBetween, isAgeOver, parseIsoDate } from './calendar.js';

describe('fullYearsBetween', () => {
  const d = parseIsoDate;
  it('counts a birthday reached today as a full year', () => {
    expect(fullYearsBetween(d('1974-08-12'), d('2026-08-12'))).toBe(52);
    expect(fullYearsBetween(d('1974-08-12'), d('2026-08-11'))).toBe(51);
  });

  it('moves a 29 February birthday to 1 March in common years', () => {
    expect(fullYearsBetween(d('2008-02-29'), d('2026-02-28'))).toBe(17);
    expect(fullYearsBetween(d('2008-02-29'), d('2026-03-01'))).toBe(18);
    expect(fullYearsBetween(d('2008-02-29'), d('2028-02-29'))).toBe(20);
  });

  it('answers the specimen age gates of §6.11 on 2026-11-26', () => {
    expect(isAgeOver(d('1974-08-12'), 18, d('2026-11-26'))).toBe(true);
    expect(isAgeOver(d('1974-08-12'), 60, d('2026-11-26'))).toBe(false);
  });
});
