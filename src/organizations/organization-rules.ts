import { randomUUID } from 'node:crypto';
import { ApiError } from '../common/errors/api-error.js';
import type { Organization } from './entities/organization.entity.js';

// Without Nest or TypeORM: OrganizationsService and the admin CLI's own SQL share these.

export const ORGANIZATION_NOT_FOUND = (): ApiError =>
  ApiError.notFound('Organization not found.', 'The organization with the given ID was not found.', 'organizations');

/** A new organization's record, not yet stored; the name is trimmed. */
export function newOrganization(name: string, now = new Date()): Organization {
  return { id: randomUUID(), name: name.trim(), createdAt: now, updatedAt: now };
}
