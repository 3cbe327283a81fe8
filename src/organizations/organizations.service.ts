import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../common/errors/api-error.js';
import { keysetPage, type KeysetQuery } from '../common/pagination.js';
import { DatabaseService } from '../database/database.service.js';
import { Organization } from './entities/organization.entity.js';

export const ORGANIZATION_NOT_FOUND = (): ApiError =>
  ApiError.notFound('Organization not found.', 'The organization with the given ID was not found.', 'organizations');

@Injectable()
export class OrganizationsService {
  constructor(private readonly db: DatabaseService) {}

  async create(name: string): Promise<Organization> {
    const org = this.build(name);
    await this.db.transaction((m) => m.insert(Organization, org));
    return org;
  }

  /** A new organization row, not yet stored: for callers that insert it inside their own transaction. */
  build(name: string): Organization {
    const now = new Date();
    return Object.assign(new Organization(), { id: randomUUID(), name: name.trim(), createdAt: now, updatedAt: now });
  }

  async get(id: string): Promise<Organization> {
    const org = await this.db.read((m) => m.findOne(Organization, { where: { id } }));
    if (!org) throw ORGANIZATION_NOT_FOUND();
    return org;
  }

  list(page: KeysetQuery) {
    return this.db.read((m) => keysetPage(m, Organization, 'o', page, (qb) => qb));
  }

  listAll(): Promise<Organization[]> {
    return this.db.read((m) => m.find(Organization, { order: { createdAt: 'DESC', id: 'DESC' } }));
  }

  count(): Promise<number> {
    return this.db.read((m) => m.count(Organization));
  }
}
