import type { Organization } from '../entities/organization.entity.js';
import type { OrganizationResponse } from './organization.response.js';

// The mapping lives outside organization.response.ts: the Swagger plugin makes every
// *.response.ts import @nestjs/swagger at runtime (~1 s), which the admin CLI does without.

/** An organization as the API and the CLI print it (§2.5). */
export function organizationResponse(org: Organization): OrganizationResponse {
  return {
    id: org.id,
    name: org.name,
    created_at: org.createdAt.toISOString(),
    updated_at: org.updatedAt.toISOString(),
  };
}
