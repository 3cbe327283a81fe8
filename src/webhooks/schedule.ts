/** At most 8 attempts; attempt 1 is immediate (§5.13). */
export const MAX_DELIVERY_ATTEMPTS = 8;

/** After failed attempt n (1-based), attempt n+1 is due after RETRY_DELAYS_MS[n-1]. */
export const RETRY_DELAYS_MS = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
] as const;

/** When the next attempt is due after `attemptCount` failed attempts, or null when exhausted. */
export function nextAttemptAt(attemptCount: number, failedAt: Date): Date | null {
  if (attemptCount >= MAX_DELIVERY_ATTEMPTS) return null;
  return new Date(failedAt.getTime() + RETRY_DELAYS_MS[attemptCount - 1]);
}
