/** The scopes of the Kayle ID API (§2.2): what a key gets when its creator names none. */
export const DEFAULT_SCOPES = ['sessions:read', 'sessions:write', 'webhooks:read', 'webhooks:write'] as const;

/**
 * Scopes of Passline's own resources, a read/write pair each (`nest g resource` adds one here).
 * A key holds them only when its creator names them.
 */
export const EXTENSION_SCOPES = [] as const;

export const SCOPES = [...DEFAULT_SCOPES, ...EXTENSION_SCOPES] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}
