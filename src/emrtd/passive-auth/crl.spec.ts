import { StaleCrlWarnings, decidingCrl } from './crl.js';

const at = (iso: string) => new Date(iso);

describe('StaleCrlWarnings', () => {
  it('is due once per CRL per hour', () => {
    const warnings = new StaleCrlWarnings();
    expect(warnings.due('a', at('2026-12-01T10:00:00Z'))).toBe(true);
    expect(warnings.due('a', at('2026-12-01T10:59:59Z'))).toBe(false);
    expect(warnings.due('b', at('2026-12-01T10:30:00Z'))).toBe(true);
    expect(warnings.due('a', at('2026-12-01T11:00:00Z'))).toBe(true);
    expect(warnings.due('a', at('2026-12-01T11:10:00Z'))).toBe(false);
  });
});

describe('decidingCrl', () => {
  const crl = (name: string, crlNumber: bigint | undefined, thisUpdate: string) => ({ name, crlNumber, thisUpdate: at(thisUpdate) });

  it('takes the highest CRL number, else the latest thisUpdate, whatever the order', () => {
    const list = [crl('old', 4n, '2026-12-03T00:00:00Z'), crl('new', 5n, '2026-12-01T00:00:00Z'), crl('mid', 3n, '2026-12-02T00:00:00Z')];
    expect(decidingCrl(list)?.name).toBe('new');
    expect(decidingCrl([...list].reverse())?.name).toBe('new');
    const unnumbered = [crl('a', undefined, '2026-12-01T00:00:00Z'), crl('b', undefined, '2026-12-05T00:00:00Z'), crl('c', undefined, '2026-12-02T00:00:00Z')];
    expect(decidingCrl(unnumbered)?.name).toBe('b');
    expect(decidingCrl([])).toBeUndefined();
  });
});
