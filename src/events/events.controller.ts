import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../auth/auth.decorators.js';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { EmptyBodyPipe } from '../common/dto/empty-body.dto.js';
import { ListEndpoint, Page } from '../common/envelope.js';
import { ApiEnvelope, ApiErrors, ApiListEnvelope } from '../common/swagger.js';
import { EventResponse } from './dto/event.response.js';
import { ListEventsQuery } from './dto/list-events.query.js';
import { EventsQueryService } from './events-query.service.js';

/** Served under `/v1/webhooks/events` and its alias `/v1/events` (§2.3). */
@ApiTags('Webhook events')
@ApiErrors(401, 403, 429)
@Controller(['v1/webhooks/events', 'v1/events'])
export class EventsController {
  constructor(private readonly events: EventsQueryService) {}

  @ApiOperation({ summary: 'List events, newest first' })
  @ApiListEnvelope(EventResponse)
  @ApiErrors(400)
  @ListEndpoint()
  @Scopes('webhooks:read')
  @Get()
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListEventsQuery): Promise<Page<EventResponse>> {
    return this.events.list(principal, query);
  }

  @ApiOperation({ summary: 'Get an event with its deliveries' })
  @ApiEnvelope(EventResponse)
  @ApiErrors(404)
  @Scopes('webhooks:read')
  @Get(':event_id')
  get(@CurrentPrincipal() principal: Principal, @Param('event_id') id: string): Promise<EventResponse> {
    return this.events.get(principal, id);
  }

  @ApiOperation({
    summary: 'Replay an event',
    description:
      'Resets every delivery of the event that still has a payload and makes it due now, whatever its status. Answers 202.',
  })
  @ApiEnvelope(EventResponse, { status: 202, description: 'Accepted: the deliveries are queued again.' })
  @ApiErrors(400, 404, 409, 422)
  @Scopes('webhooks:write')
  @HttpCode(202)
  @Post(':event_id/replay')
  replay(
    @CurrentPrincipal() principal: Principal,
    @Param('event_id') id: string,
    @Body(EmptyBodyPipe) _body: Record<string, never>,
  ): Promise<EventResponse> {
    return this.events.replay(principal, id);
  }
}
