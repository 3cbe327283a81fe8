import { Injectable } from '@nestjs/common';
import { keysetPage, type KeysetQuery } from '../common/pagination.js';
import { DatabaseService } from '../database/database.service.js';
import { Organization } from './entities/organization.entity.js';
import { newOrganization, ORGANIZATION_NOT_FOUND } from './organization-rules.js';

export { ORGANIZATION_NOT_FOUND } from './organization-rules.js';

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
    return Object.assign(new Organization(), newOrganization(name));
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
