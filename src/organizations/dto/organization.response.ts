export class OrganizationResponse {
  /**
   * Organization id (UUID v4).
   * @example "5d1c2f9e-8a41-4c1b-9b7e-0f3a5e2d7c10"
   */
  id: string;

  /**
   * Display name, shown on the hosted verification page.
   * @example "Acme"
   */
  name: string;

  /**
   * When the organization was created (ISO 8601, UTC).
   * @example "2026-11-26T10:00:00.000Z"
   */
  created_at: string;

  /**
   * When the organization last changed (ISO 8601, UTC).
   * @example "2026-11-26T10:00:00.000Z"
   */
  updated_at: string;
}
