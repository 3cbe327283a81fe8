import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../../auth/auth.decorators.js';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { EmptyBodyPipe, noBodyError } from '../../common/dto/empty-body.dto.js';
import { ListEndpoint, Page } from '../../common/envelope.js';
import { ApiError } from '../../common/errors/api-error.js';
import { ApiEnvelope, ApiErrors, ApiListEnvelope, fieldError, listQueryErrors } from '../../common/swagger.js';
import { unknownProperty } from '../../common/validation.js';
import { CreateEndpointDto } from './dto/create-endpoint.dto.js';
import { CreatedEndpointResponse, DeletedEndpointResponse, EndpointResponse } from './dto/endpoint.response.js';
import { ListEndpointsQuery } from './dto/list-endpoints.query.js';
import { RotateSigningSecretDto } from './dto/rotate-signing-secret.dto.js';
import { RotatedSigningSecretResponse, SigningSecretResponse } from './dto/signing-secret.response.js';
import { UpdateEndpointDto } from './dto/update-endpoint.dto.js';
import { endpointNotFound, UPDATE_NOTHING_HINT, WebhookEndpointsService } from './endpoints.service.js';

@ApiTags('Webhooks')
@Controller('v1/webhooks/endpoints')
export class WebhookEndpointsController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  @ApiOperation({ operationId: 'listWebhookEndpoints', summary: 'List webhook endpoints, newest first' })
  @ApiListEnvelope(EndpointResponse)
  @ApiErrors(...listQueryErrors(), fieldError('enabled', 'enabled must be one of true, false, 1 or 0'))
  @ListEndpoint()
  @Scopes('webhooks:read')
  @Get()
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListEndpointsQuery): Promise<Page<EndpointResponse>> {
    return this.endpoints.list(principal, query);
  }

  @ApiOperation({
    operationId: 'createWebhookEndpoint',
    summary: 'Create a webhook endpoint',
    description: 'Returns the endpoint and its signing secret. Register an encryption key before events are delivered.',
  })
  @ApiEnvelope(CreatedEndpointResponse)
  @ApiErrors(fieldError('url', 'url must use https'), fieldError('subscribed_event_types', 'subscribed_event_types must be an array of event types'), unknownProperty('foo'))
  @Scopes('webhooks:write')
  @HttpCode(200)
  @Post()
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateEndpointDto): Promise<CreatedEndpointResponse> {
    return this.endpoints.create(principal, body);
  }

  @ApiOperation({ operationId: 'getWebhookEndpoint', summary: 'Get a webhook endpoint' })
  @ApiEnvelope(EndpointResponse)
  @ApiErrors(endpointNotFound('webhooks/endpoints#get-by-id'))
  @Scopes('webhooks:read')
  @Get(':endpoint_id')
  get(@CurrentPrincipal() principal: Principal, @Param('endpoint_id') id: string): Promise<EndpointResponse> {
    return this.endpoints.get(principal, id);
  }

  @ApiOperation({
    operationId: 'updateWebhookEndpoint',
    summary: 'Update a webhook endpoint',
    description: 'Send at least one of `name`, `url`, `enabled`, `subscribed_event_types`; the list is replaced.',
  })
  @ApiEnvelope(EndpointResponse)
  @ApiErrors(ApiError.badRequest(undefined, UPDATE_NOTHING_HINT, 'webhooks/endpoints#update'), fieldError('url', 'url must use https'), endpointNotFound('webhooks/endpoints#update'))
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
    operationId: 'deleteWebhookEndpoint',
    summary: 'Delete a webhook endpoint',
    description: 'Hard delete: its encryption keys and deliveries are deleted too; events stay.',
  })
  @ApiEnvelope(DeletedEndpointResponse)
  @ApiErrors(endpointNotFound('webhooks/endpoints#delete'))
  @Scopes('webhooks:write')
  @Delete(':endpoint_id')
  delete(@CurrentPrincipal() principal: Principal, @Param('endpoint_id') id: string): Promise<DeletedEndpointResponse> {
    return this.endpoints.delete(principal, id);
  }

  @ApiOperation({ operationId: 'revealSigningSecret', summary: "Reveal the endpoint's current signing secret" })
  @ApiEnvelope(SigningSecretResponse)
  @ApiErrors(noBodyError('foo'), endpointNotFound('webhooks/endpoints#reveal-signing-secret'))
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
    operationId: 'rotateSigningSecret',
    summary: 'Rotate the signing secret',
    description:
      'Generates a new current secret; the old one keeps signing alongside it for `previous_secret_expires_in` seconds (default 86400, 0 drops it at once).',
  })
  @ApiEnvelope(RotatedSigningSecretResponse)
  @ApiErrors(unknownProperty('foo'), endpointNotFound('webhooks/endpoints#rotate-signing-secret'))
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
