import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../../auth/auth.decorators.js';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { EmptyBodyPipe, noBodyError } from '../../common/dto/empty-body.dto.js';
import { ListEndpoint, Page } from '../../common/envelope.js';
import { ApiError } from '../../common/errors/api-error.js';
import { ApiEnvelope, ApiErrors, ApiListEnvelope, fieldError, listQueryErrors } from '../../common/swagger.js';
import { CreateKeyDto } from './dto/create-key.dto.js';
import { EncryptionKeyResponse } from './dto/key.response.js';
import { ListKeysQuery } from './dto/list-keys.query.js';
import { keyNotFound, WebhookKeysService } from './keys.service.js';
import { endpointNotFound } from '../endpoints/endpoints.service.js';

@ApiTags('Webhooks')
@Controller('v1/webhooks')
export class WebhookKeysController {
  constructor(private readonly keys: WebhookKeysService) {}

  @ApiOperation({
    operationId: 'createEncryptionKey',
    summary: 'Register an encryption key',
    description: 'Stores the RSA public key active; every other key of the endpoint is deactivated.',
  })
  @ApiEnvelope(EncryptionKeyResponse)
  @ApiErrors(fieldError('key_id', 'key_id must be 1 to 128 characters'), ApiError.badRequest('jwk', 'jwk could not be imported as an RSA-OAEP-256 public key.'), endpointNotFound('webhooks/keys#create'))
  @Scopes('webhooks:write')
  @HttpCode(200)
  @Post('endpoints/:endpoint_id/keys')
  create(
    @CurrentPrincipal() principal: Principal,
    @Param('endpoint_id') endpointId: string,
    @Body() body: CreateKeyDto,
  ): Promise<EncryptionKeyResponse> {
    return this.keys.create(principal, endpointId, body);
  }

  @ApiOperation({ operationId: 'listEncryptionKeys', summary: "List an endpoint's encryption keys, newest first" })
  @ApiListEnvelope(EncryptionKeyResponse)
  @ApiErrors(...listQueryErrors(), fieldError('is_active', 'is_active must be one of true, false, 1 or 0'), endpointNotFound('webhooks/keys#list'))
  @ListEndpoint()
  @Scopes('webhooks:read')
  @Get('endpoints/:endpoint_id/keys')
  list(
    @CurrentPrincipal() principal: Principal,
    @Param('endpoint_id') endpointId: string,
    @Query() query: ListKeysQuery,
  ): Promise<Page<EncryptionKeyResponse>> {
    return this.keys.list(principal, endpointId, query);
  }

  @ApiOperation({ operationId: 'deactivateEncryptionKey', summary: 'Deactivate an encryption key', description: 'A repeat refreshes `disabled_at`.' })
  @ApiEnvelope(EncryptionKeyResponse)
  @ApiErrors(noBodyError('foo'), keyNotFound('deactivate'))
  @Scopes('webhooks:write')
  @HttpCode(200)
  @Post('keys/:key_id/deactivate')
  deactivate(
    @CurrentPrincipal() principal: Principal,
    @Param('key_id') id: string,
    @Body(EmptyBodyPipe) _body: Record<string, never>,
  ): Promise<EncryptionKeyResponse> {
    return this.keys.deactivate(principal, id);
  }

  @ApiOperation({ operationId: 'reactivateEncryptionKey', summary: 'Reactivate an encryption key', description: 'Other keys of the endpoint are left alone.' })
  @ApiEnvelope(EncryptionKeyResponse)
  @ApiErrors(noBodyError('foo'), keyNotFound('reactivate'))
  @Scopes('webhooks:write')
  @HttpCode(200)
  @Post('keys/:key_id/reactivate')
  reactivate(
    @CurrentPrincipal() principal: Principal,
    @Param('key_id') id: string,
    @Body(EmptyBodyPipe) _body: Record<string, never>,
  ): Promise<EncryptionKeyResponse> {
    return this.keys.reactivate(principal, id);
  }
}
