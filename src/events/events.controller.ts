import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../auth/auth.decorators.js';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { EmptyBodyPipe, noBodyError } from '../common/dto/empty-body.dto.js';
import { ListEndpoint, Page } from '../common/envelope.js';
import { ApiEnvelope, ApiErrors, ApiListEnvelope, fieldError, listQueryErrors } from '../common/swagger.js';
import { EventResponse } from './dto/event.response.js';
import { ListEventsQuery } from './dto/list-events.query.js';
import { eventNotFound, eventNotReplayable, EventsQueryService } from './events-query.service.js';

/** Served under `/v1/webhooks/events` and its alias `/v1/events` (§2.3). */
@ApiTags('Events')
@Controller(['v1/webhooks/events', 'v1/events'])
export class EventsController {
  constructor(private readonly events: EventsQueryService) {}

  @ApiOperation({ operationId: 'listEvents', summary: 'List events, newest first' })
  @ApiListEnvelope(EventResponse)
  @ApiErrors(...listQueryErrors(), fieldError('created_from', 'created_from must be an RFC 3339 date-time, e.g. 2026-11-26T10:00:00Z'))
  @ListEndpoint()
  @Scopes('webhooks:read')
  @Get()
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListEventsQuery): Promise<Page<EventResponse>> {
    return this.events.list(principal, query);
  }

  @ApiOperation({ operationId: 'getEvent', summary: 'Get an event with its deliveries' })
  @ApiEnvelope(EventResponse)
  @ApiErrors(eventNotFound('get-by-id'))
  @Scopes('webhooks:read')
  @Get(':event_id')
  get(@CurrentPrincipal() principal: Principal, @Param('event_id') id: string): Promise<EventResponse> {
    return this.events.get(principal, id);
  }

  @ApiOperation({
    operationId: 'replayEvent',
    summary: 'Replay an event',
    description:
      'Resets every delivery of the event that still has a payload and makes it due now, whatever its status. Answers 202.',
  })
  @ApiEnvelope(EventResponse, { status: 202, description: 'Accepted: the deliveries are queued again.' })
  @ApiErrors(noBodyError('foo'), eventNotFound('replay'), eventNotReplayable())
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
