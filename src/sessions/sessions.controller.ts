import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../auth/auth.decorators.js';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { EmptyBodyPipe } from '../common/dto/empty-body.dto.js';
import { ListEndpoint, Page } from '../common/envelope.js';
import { ApiEnvelope, ApiErrors, ApiListEnvelope } from '../common/swagger.js';
import { CreateSessionDto } from './dto/create-session.dto.js';
import { IncludeAttemptsQuery, ListSessionsQuery } from './dto/session.query.js';
import { CreatedSessionResponse, SessionResponse } from './dto/session.response.js';
import { SessionIdGuard } from './session-id.guard.js';
import { SessionsService } from './sessions.service.js';

@ApiTags('Sessions')
@ApiErrors(401, 403, 429)
@Controller('v1/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @ApiOperation({
    summary: 'Create a verification session',
    description:
      'Stores a `created` session with the normalized share_fields and returns it with a single-use `cancel_token`. Send the user to `verification_url`.',
  })
  @ApiEnvelope(CreatedSessionResponse)
  @HttpCode(200)
  @ApiErrors(400, 409, 413, 422)
  @Scopes('sessions:write')
  @Post()
  create(
    @CurrentPrincipal() principal: Principal,
    @Query() query: IncludeAttemptsQuery,
    @Body() body: CreateSessionDto,
  ): Promise<CreatedSessionResponse> {
    return this.sessions.create(principal, body, query.include_attempts === true);
  }

  @ApiOperation({ summary: 'List sessions, newest first' })
  @ApiListEnvelope(SessionResponse)
  @ApiErrors(400)
  @ListEndpoint()
  @Scopes('sessions:read')
  @Get()
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListSessionsQuery): Promise<Page<SessionResponse>> {
    return this.sessions.list(principal, query);
  }

  @ApiOperation({ summary: 'Get a session' })
  @ApiEnvelope(SessionResponse)
  @ApiErrors(400, 404)
  @Scopes('sessions:read')
  @UseGuards(SessionIdGuard)
  @Get(':id')
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query() query: IncludeAttemptsQuery,
  ): Promise<SessionResponse> {
    return this.sessions.get(principal, id, query.include_attempts === true);
  }

  @ApiOperation({
    summary: 'Cancel a session',
    description: 'Idempotent: a session that is already final is left unchanged and the answer is still 204.',
  })
  @ApiErrors(400, 404, 409, 422)
  @Scopes('sessions:write')
  @HttpCode(204)
  @UseGuards(SessionIdGuard)
  @Post(':id/cancel')
  async cancel(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(EmptyBodyPipe) _body: Record<string, never>,
  ): Promise<void> {
    await this.sessions.cancel(principal, id);
  }
}
