import { AuthFoundation1764150000000 } from './1764150000000-auth-foundation.js';
import { SessionsAttemptsEvents1764160000000 } from './1764160000000-sessions-attempts-events.js';

/** Every migration, oldest first. Add new ones at the end. */
export const MIGRATIONS = [AuthFoundation1764150000000, SessionsAttemptsEvents1764160000000];
