/**
 * The name every migration of index.ts records in the `migrations` table, oldest first,
 * without loading TypeORM: the CLI compares them with the applied ones and loads TypeORM only
 * when one is pending. names.spec.ts holds this list equal to MIGRATIONS.
 */
export const MIGRATION_NAMES: readonly string[] = [
  'AuthFoundation1764150000000',
  'SessionsAttemptsEvents1764160000000',
  'IdempotencyRateLimits1764170000000',
  'Webhooks1764180000000',
  'AttemptConnectionLease1764190000000',
];
