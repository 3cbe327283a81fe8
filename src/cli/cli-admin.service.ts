import { Injectable } from '@nestjs/common';
import { ApiKeysService, type CreateApiKeyInput } from '../auth/api-keys.service.js';
import { ApiKeyResponse, CreatedApiKeyResponse } from '../auth/dto/api-key.response.js';
import { OrganizationResponse } from '../organizations/dto/organization.response.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import type { AdminOperations } from './command.js';

/** The CLI's operations, answering with the same objects as the admin endpoints (§2.5). */
@Injectable()
export class CliAdminService implements AdminOperations {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async createOrganization(name: string): Promise<OrganizationResponse> {
    return OrganizationResponse.from(await this.organizations.create(name));
  }

  async listOrganizations(): Promise<OrganizationResponse[]> {
    return (await this.organizations.listAll()).map(OrganizationResponse.from);
  }

  async createApiKey(input: CreateApiKeyInput): Promise<CreatedApiKeyResponse> {
    const { apiKey, key } = await this.apiKeys.create(input);
    // `key` next to `id`, as printed in §2.6; the fields are the admin endpoint's.
    const { id, key: secret, ...record } = CreatedApiKeyResponse.withKey(apiKey, key);
    return { id, key: secret, ...record };
  }

  async listApiKeys(organizationId: string): Promise<ApiKeyResponse[]> {
    return (await this.apiKeys.listAll(organizationId)).map(ApiKeyResponse.from);
  }

  async setApiKeyEnabled(id: string, enabled: boolean): Promise<ApiKeyResponse> {
    return ApiKeyResponse.from(await this.apiKeys.update(id, { enabled }));
  }

  async revokeApiKey(id: string): Promise<ApiKeyResponse> {
    return ApiKeyResponse.from(await this.apiKeys.revoke(id));
  }
}
