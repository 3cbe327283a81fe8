import { AuthFoundation1764150000000 } from './1764150000000-auth-foundation.js';
import { SessionsAttemptsEvents1764160000000 } from './1764160000000-sessions-attempts-events.js';
import { IdempotencyRateLimits1764170000000 } from './1764170000000-idempotency-rate-limits.js';
import { Webhooks1764180000000 } from './1764180000000-webhooks.js';
import { AttemptConnectionLease1764190000000 } from './1764190000000-attempt-connection-lease.js';

/** Every migration, oldest first. Add new ones at the end, and their names to names.ts. */
export const MIGRATIONS = [AuthFoundation1764150000000, SessionsAttemptsEvents1764160000000, IdempotencyRateLimits1764170000000, Webhooks1764180000000, AttemptConnectionLease1764190000000];
