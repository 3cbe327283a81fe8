/** `count` placeholders for an IN list or a VALUES row: `?, ?, ?`. */
export function markers(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

/** `sql`'s `?` placeholders numbered `$1…` (from `first`), as PostgreSQL writes them. */
export function numbered(sql: string, first = 1): string {
  let n = first - 1;
  return sql.replace(/\?/g, () => `$${++n}`);
}
