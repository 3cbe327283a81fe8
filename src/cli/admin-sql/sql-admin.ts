import {
  API_KEY_NOT_FOUND,
  changeApiKey,
  newApiKey,
  revokeApiKey,
  type ApiKeyRecord,
  type CreateApiKeyInput,
} from '../../auth/api-key-rules.js';
import type { ApiKeyResponse, CreatedApiKeyResponse } from '../../auth/dto/api-key.response.js';
import { apiKeyResponse, createdApiKeyResponse } from '../../auth/dto/api-key.view.js';
import type { OrganizationResponse } from '../../organizations/dto/organization.response.js';
import { organizationResponse } from '../../organizations/dto/organization.view.js';
import { newOrganization, ORGANIZATION_NOT_FOUND } from '../../organizations/organization-rules.js';
import type { AdminOperations } from '../command.js';
import { API_KEYS, findRecord, insertRecord, ORGANIZATIONS, selectRecords, updateRecord } from './admin-tables.js';
import type { SqlConnection } from './sql-connection.js';

/** Newest first by (created_at, id), as every list (§1.7). */
const NEWEST_FIRST = 'ORDER BY "created_at" DESC, "id" DESC';

/**
 * The CLI's operations (§2.6) in the admin endpoints' response objects: the rules, records and
 * responses of OrganizationsService and ApiKeysService, written with the CLI's own SQL.
 */
export class SqlAdmin implements AdminOperations {
  constructor(
    private readonly connection: SqlConnection,
    private readonly serverSecret: string,
  ) {}

  async createOrganization(name: string): Promise<OrganizationResponse> {
    const org = newOrganization(name);
    await insertRecord(this.connection, ORGANIZATIONS, org);
    return organizationResponse(org);
  }

  async listOrganizations(): Promise<OrganizationResponse[]> {
    return (await selectRecords(this.connection, ORGANIZATIONS, NEWEST_FIRST, [])).map(organizationResponse);
  }

  async createApiKey(input: CreateApiKeyInput): Promise<CreatedApiKeyResponse> {
    const { record, key } = newApiKey(input, this.serverSecret);
    await this.connection.transaction(async () => {
      await this.organization(input.organizationId);
      await insertRecord(this.connection, API_KEYS, record);
    });
    // `key` next to `id`, as printed in §2.6; the fields are the admin endpoint's.
    const { id, key: secret, ...rest } = createdApiKeyResponse(record, key);
    return { id, key: secret, ...rest };
  }

  async listApiKeys(organizationId: string): Promise<ApiKeyResponse[]> {
    await this.organization(organizationId);
    const keys = await selectRecords(this.connection, API_KEYS, `WHERE "organization_id" = ? ${NEWEST_FIRST}`, [organizationId]);
    return keys.map(apiKeyResponse);
  }

  async setApiKeyEnabled(id: string, enabled: boolean): Promise<ApiKeyResponse> {
    return this.changeKey(id, (row) => changeApiKey(row, { enabled }));
  }

  async revokeApiKey(id: string): Promise<ApiKeyResponse> {
    return this.changeKey(id, (row) => revokeApiKey(row));
  }

  private async organization(id: string): Promise<void> {
    if (!(await findRecord(this.connection, ORGANIZATIONS, id))) throw ORGANIZATION_NOT_FOUND();
  }

  /** Reads the key, applies one rule and writes the columns it changed, in one transaction. */
  private async changeKey(id: string, rule: (row: ApiKeyRecord) => Partial<ApiKeyRecord> | null): Promise<ApiKeyResponse> {
    const row = await this.connection.transaction(async () => {
      const found = await findRecord(this.connection, API_KEYS, id, { forUpdate: true });
      if (!found) throw API_KEY_NOT_FOUND();
      const changes = rule(found);
      if (changes) await updateRecord(this.connection, API_KEYS, id, changes);
      return found;
    });
    return apiKeyResponse(row);
  }
}
