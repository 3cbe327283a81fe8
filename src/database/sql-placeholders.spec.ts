import { markers, numbered } from './sql-placeholders.js';

describe('SQL placeholders', () => {
  it('writes one ? per value of an IN list', () => {
    expect(markers(1)).toBe('?');
    expect(markers(3)).toBe('?, ?, ?');
  });

  it('numbers ? for PostgreSQL, from 1 or from where a SET clause left off', () => {
    expect(numbered('id = ? AND status IN (?, ?)')).toBe('id = $1 AND status IN ($2, $3)');
    expect(numbered('id = ? AND expires_at <= ?', 5)).toBe('id = $5 AND expires_at <= $6');
    expect(numbered('SELECT 1')).toBe('SELECT 1');
  });
});
