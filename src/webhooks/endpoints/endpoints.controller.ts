import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../../auth/auth.decorators.js';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { EmptyBodyPipe } from '../../common/dto/empty-body.dto.js';
import { ListEndpoint, Page } from '../../common/envelope.js';
import { ApiEnvelope, ApiErrors, ApiListEnvelope } from '../../common/swagger.js';
import { CreateEndpointDto } from './dto/create-endpoint.dto.js';
import { CreatedEndpointResponse, DeletedEndpointResponse, EndpointResponse } from './dto/endpoint.response.js';
import { ListEndpointsQuery } from './dto/list-endpoints.query.js';
import { RotateSigningSecretDto } from './dto/rotate-signing-secret.dto.js';
import { RotatedSigningSecretResponse, SigningSecretResponse } from './dto/signing-secret.response.js';
import { UpdateEndpointDto } from './dto/update-endpoint.dto.js';
import { WebhookEndpointsService } from './endpoints.service.js';

@ApiTags('Webhook endpoints')
@ApiErrors(401, 403, 429)
@Controller('v1/webhooks/endpoints')
export class WebhookEndpointsController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  @ApiOperation({ summary: 'List webhook endpoints, newest first' })
  @ApiListEnvelope(EndpointResponse)
  @ApiErrors(400)
  @ListEndpoint()
  @Scopes('webhooks:read')
  @Get()
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListEndpointsQuery): Promise<Page<EndpointResponse>> {
    return this.endpoints.list(principal, query);
  }

  @ApiOperation({
    summary: 'Create a webhook endpoint',
    description: 'Returns the endpoint and its signing secret. Register an encryption key before events are delivered.',
  })
  @ApiEnvelope(CreatedEndpointResponse)
  @ApiErrors(400, 409, 413, 422)
  @Scopes('webhooks:write')
  @HttpCode(200)
  @Post()
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateEndpointDto): Promise<CreatedEndpointResponse> {
    return this.endpoints.create(principal, body);
  }

  @ApiOperation({ summary: 'Get a webhook endpoint' })
  @ApiEnvelope(EndpointResponse)
  @ApiErrors(404)
  @Scopes('webhooks:read')
  @Get(':endpoint_id')
  get(@CurrentPrincipal() principal: Principal, @Param('endpoint_id') id: string): Promise<EndpointResponse> {
    return this.endpoints.get(principal, id);
  }

  @ApiOperation({
    summary: 'Update a webhook endpoint',
    description: 'Send at least one of `name`, `url`, `enabled`, `subscribed_event_types`; the list is replaced.',
  })
  @ApiEnvelope(EndpointResponse)
  @ApiErrors(400, 404, 413)
  @Scopes('webhooks:write')
  @Patch(':endpoint_id')
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('endpoint_id') id: string,
    @Body() body: UpdateEndpointDto,
  ): Promise<EndpointResponse> {
    return this.endpoints.update(principal, id, body);
  }

  @ApiOperation({
    summary: 'Delete a webhook endpoint',
    description: 'Hard delete: its encryption keys and deliveries are deleted too; events stay.',
  })
  @ApiEnvelope(DeletedEndpointResponse)
  @ApiErrors(404)
  @Scopes('webhooks:write')
  @Delete(':endpoint_id')
  delete(@CurrentPrincipal() principal: Principal, @Param('endpoint_id') id: string): Promise<DeletedEndpointResponse> {
    return this.endpoints.delete(principal, id);
  }

  @ApiOperation({ summary: "Reveal the endpoint's current signing secret" })
  @ApiEnvelope(SigningSecretResponse)
  @ApiErrors(400, 404, 409, 422)
  @Scopes('webhooks:write')
  @HttpCode(200)
  @Post(':endpoint_id/signing-secret/reveal')
  reveal(
    @CurrentPrincipal() principal: Principal,
    @Param('endpoint_id') id: string,
    @Body(EmptyBodyPipe) _body: Record<string, never>,
  ): Promise<SigningSecretResponse> {
    return this.endpoints.revealSigningSecret(principal, id);
  }

  @ApiOperation({
    summary: 'Rotate the signing secret',
    description:
      'Generates a new current secret; the old one keeps signing alongside it for `previous_secret_expires_in` seconds (default 86400, 0 drops it at once).',
  })
  @ApiEnvelope(RotatedSigningSecretResponse)
  @ApiErrors(400, 404, 409, 413, 422)
  @Scopes('webhooks:write')
  @HttpCode(200)
  @Post(':endpoint_id/signing-secret/rotate')
  rotate(
    @CurrentPrincipal() principal: Principal,
    @Param('endpoint_id') id: string,
    @Body() body: RotateSigningSecretDto,
  ): Promise<RotatedSigningSecretResponse> {
    return this.endpoints.rotateSigningSecret(principal, id, body);
  }
}
