import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../../auth/auth.decorators.js';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { EmptyBodyPipe, noBodyError } from '../../common/dto/empty-body.dto.js';
import { ListEndpoint, Page } from '../../common/envelope.js';
import { ApiEnvelope, ApiErrors, ApiListEnvelope, fieldError, listQueryErrors } from '../../common/swagger.js';
import { deliveryNotFound, deliveryNotRetryable, WebhookDeliveriesService } from './deliveries.service.js';
import { DeliveryResponse } from './dto/delivery.response.js';
import { ListDeliveriesQuery } from './dto/list-deliveries.query.js';

@ApiTags('Webhooks')
@Controller('v1/webhooks/deliveries')
export class WebhookDeliveriesController {
  constructor(private readonly deliveries: WebhookDeliveriesService) {}

  @ApiOperation({ operationId: 'listDeliveries', summary: 'List deliveries, newest first' })
  @ApiListEnvelope(DeliveryResponse)
  @ApiErrors(...listQueryErrors(), fieldError('status', 'status must be one of pending, succeeded, failed'))
  @ListEndpoint()
  @Scopes('webhooks:read')
  @Get()
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListDeliveriesQuery): Promise<Page<DeliveryResponse>> {
    return this.deliveries.list(principal, query);
  }

  @ApiOperation({
    operationId: 'retryDelivery',
    summary: 'Retry a delivery',
    description:
      'Resets the delivery whatever its status and makes it due now; the 8-attempt schedule starts again. Deliveries that failed closed (no payload) cannot be retried.',
  })
  @ApiEnvelope(DeliveryResponse)
  @ApiErrors(noBodyError('foo'), deliveryNotFound(), deliveryNotRetryable())
  @Scopes('webhooks:write')
  @HttpCode(200)
  @Post(':delivery_id/retry')
  retry(
    @CurrentPrincipal() principal: Principal,
    @Param('delivery_id') id: string,
    @Body(EmptyBodyPipe) _body: Record<string, never>,
  ): Promise<DeliveryResponse> {
    return this.deliveries.retry(principal, id);
  }
}
