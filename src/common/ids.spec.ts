import { newId, randomToken, SESSION_ID_PATTERN } from './ids.js';

describe('random ids', () => {
  it('draws tokens of the asked length over [a-z0-9]', () => {
    for (const length of [1, 24, 64, 5000]) expect(randomToken(length)).toMatch(new RegExp(`^[a-z0-9]{${length}}$`));
    expect(newId.session()).toMatch(SESSION_ID_PATTERN);
  });

  it('never repeats a token (the byte pool is not reused)', () => {
    const seen = new Set(Array.from({ length: 2000 }, () => randomToken(24)));
    expect(seen.size).toBe(2000);
  });

  it('uses every character about equally often (no modulo bias towards a-d)', () => {
    const counts = new Map<string, number>();
    const sample = randomToken(36 * 4000);
    for (const c of sample) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(36);
    // Expected 4000 each; a biased draw (byte % 36 over all 256 values) gives a-d ~4480.
    for (const n of counts.values()) expect(Math.abs(n - 4000)).toBeLessThan(320);
  });
});
