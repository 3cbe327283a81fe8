import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { API_KEY_NOT_FOUND, API_KEY_REVOKED, ApiKeysService } from '../auth/api-keys.service.js';
import { AdminOnly } from '../auth/auth.decorators.js';
import { ApiKeyResponse, CreatedApiKeyResponse } from '../auth/dto/api-key.response.js';
import { apiKeyResponse, createdApiKeyResponse } from '../auth/dto/api-key.view.js';
import { PaginationQuery } from '../common/dto/pagination.query.js';
import { ListEndpoint, Page } from '../common/envelope.js';
import { ApiError } from '../common/errors/api-error.js';
import { ApiEnvelope, ApiErrors, ApiListEnvelope, listQueryErrors } from '../common/swagger.js';
import { unknownProperty } from '../common/validation.js';
import { OrganizationResponse } from '../organizations/dto/organization.response.js';
import { organizationResponse } from '../organizations/dto/organization.view.js';
import { ORGANIZATION_NOT_FOUND, OrganizationsService } from '../organizations/organizations.service.js';
import { CreateApiKeyDto } from './dto/create-api-key.dto.js';
import { CreateOrganizationDto } from './dto/create-organization.dto.js';
import { ListApiKeysQuery } from './dto/list-api-keys.query.js';
import { UpdateApiKeyDto } from './dto/update-api-key.dto.js';

const NOTHING_TO_UPDATE = (): ApiError => ApiError.badRequest(undefined, 'Provide at least one of `name`, `enabled` or `scopes`.');

/** Operator endpoints (§2.5, extension), behind ADMIN_TOKEN; 404 while it is unset. */
@ApiTags('Admin')
@AdminOnly()
@Controller('v1/admin')
export class AdminController {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  @ApiOperation({ operationId: 'createOrganization', summary: 'Create an organization' })
  @ApiErrors(unknownProperty('foo'))
  @ApiEnvelope(OrganizationResponse)
  @HttpCode(200)
  @Post('orgs')
  async createOrganization(@Body() body: CreateOrganizationDto): Promise<OrganizationResponse> {
    return organizationResponse(await this.organizations.create(body.name));
  }

  @ApiOperation({ operationId: 'listOrganizations', summary: 'List organizations, newest first' })
  @ApiErrors(...listQueryErrors())
  @ApiListEnvelope(OrganizationResponse)
  @ListEndpoint()
  @Get('orgs')
  async listOrganizations(@Query() query: PaginationQuery): Promise<Page<OrganizationResponse>> {
    const page = await this.organizations.list({ limit: query.limit ?? 10, startingAfter: query.starting_after });
    return new Page(page.items.map(organizationResponse), page.pagination);
  }

  @ApiOperation({ operationId: 'createApiKey', summary: 'Create an API key; the plaintext key is returned only here' })
  @ApiErrors(unknownProperty('foo'), ORGANIZATION_NOT_FOUND())
  @ApiEnvelope(CreatedApiKeyResponse)
  @HttpCode(200)
  @Post('api-keys')
  async createApiKey(@Body() body: CreateApiKeyDto): Promise<CreatedApiKeyResponse> {
    const { apiKey, key } = await this.apiKeys.create({
      organizationId: body.organization_id,
      name: body.name,
      livemode: body.livemode,
      scopes: body.scopes,
    });
    return createdApiKeyResponse(apiKey, key);
  }

  @ApiOperation({ operationId: 'listApiKeys', summary: "List an organization's API keys, newest first" })
  @ApiErrors(...listQueryErrors(), ORGANIZATION_NOT_FOUND())
  @ApiListEnvelope(ApiKeyResponse)
  @ListEndpoint()
  @Get('api-keys')
  async listApiKeys(@Query() query: ListApiKeysQuery): Promise<Page<ApiKeyResponse>> {
    const page = await this.apiKeys.list(query.organization_id, {
      limit: query.limit ?? 10,
      startingAfter: query.starting_after,
    });
    return new Page(page.items.map(apiKeyResponse), page.pagination);
  }

  @ApiOperation({ operationId: 'updateApiKey', summary: 'Rename, enable/disable or re-scope an API key' })
  @ApiErrors(NOTHING_TO_UPDATE(), API_KEY_NOT_FOUND(), API_KEY_REVOKED())
  @ApiEnvelope(ApiKeyResponse)
  @Patch('api-keys/:id')
  async updateApiKey(@Param('id') id: string, @Body() body: UpdateApiKeyDto): Promise<ApiKeyResponse> {
    if (body.name === undefined && body.enabled === undefined && body.scopes === undefined) {
      throw NOTHING_TO_UPDATE();
    }
    return apiKeyResponse(await this.apiKeys.update(id, body));
  }

  @ApiOperation({ operationId: 'revokeApiKey', summary: 'Revoke an API key (permanent; repeat calls are no-ops)' })
  @ApiErrors(API_KEY_NOT_FOUND())
  @ApiEnvelope(ApiKeyResponse)
  @Delete('api-keys/:id')
  async revokeApiKey(@Param('id') id: string): Promise<ApiKeyResponse> {
    return apiKeyResponse(await this.apiKeys.revoke(id));
  }
}
