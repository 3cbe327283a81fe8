import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../auth/auth.decorators.js';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { EmptyBodyPipe, noBodyError } from '../common/dto/empty-body.dto.js';
import { ListEndpoint, Page } from '../common/envelope.js';
import { ApiError } from '../common/errors/api-error.js';
import { ApiEnvelope, ApiErrors, ApiListEnvelope, fieldError, listQueryErrors } from '../common/swagger.js';
import { unknownProperty } from '../common/validation.js';
import { CreateSessionDto, shareContractError } from './dto/create-session.dto.js';
import { ShareFieldInput, ShareFieldResponse } from './dto/share-field.dto.js';
import { IncludeAttemptsQuery, ListSessionsQuery } from './dto/session.query.js';
import { CreatedSessionResponse, SessionResponse } from './dto/session.response.js';
import { shareContractExamples } from './share-contract/index.js';
import { invalidSessionId, SessionIdGuard } from './session-id.guard.js';
import { sessionNotFound, SessionsService } from './sessions.service.js';

const INCLUDE_ATTEMPTS_ERROR = (): ApiError => fieldError('include_attempts', 'include_attempts must be one of true, false, 1 or 0');

@ApiTags('Sessions')
@ApiExtraModels(ShareFieldInput, ShareFieldResponse)
@Controller('v1/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @ApiOperation({
    operationId: 'createSession',
    summary: 'Create a verification session',
    description:
      'Stores a `created` session with the normalized share_fields and returns it with a single-use `cancel_token`. Send the user to `verification_url`.',
  })
  @ApiEnvelope(CreatedSessionResponse)
  @HttpCode(200)
  @ApiErrors(
    INCLUDE_ATTEMPTS_ERROR(),
    ...shareContractExamples().map((violation) => shareContractError(violation)),
    fieldError('expires_in', 'expires_in must be an integer number of seconds'),
    fieldError('expires_in', 'expires_in must be at least 300 seconds'),
    fieldError('redirect_url', 'redirect_url must be a string or null'),
    unknownProperty('foo'),
  )
  @Scopes('sessions:write')
  @Post()
  create(
    @CurrentPrincipal() principal: Principal,
    @Query() query: IncludeAttemptsQuery,
    @Body() body: CreateSessionDto,
  ): Promise<CreatedSessionResponse> {
    return this.sessions.create(principal, body, query.include_attempts === true);
  }

  @ApiOperation({ operationId: 'listSessions', summary: 'List sessions, newest first' })
  @ApiListEnvelope(SessionResponse)
  @ApiErrors(...listQueryErrors())
  @ListEndpoint()
  @Scopes('sessions:read')
  @Get()
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListSessionsQuery): Promise<Page<SessionResponse>> {
    return this.sessions.list(principal, query);
  }

  @ApiOperation({ operationId: 'getSession', summary: 'Get a session' })
  @ApiEnvelope(SessionResponse)
  @ApiErrors(invalidSessionId(), INCLUDE_ATTEMPTS_ERROR(), sessionNotFound('get-by-id'))
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
    operationId: 'cancelSession',
    summary: 'Cancel a session',
    description: 'Idempotent: a session that is already final is left unchanged and the answer is still 204.',
  })
  @ApiErrors(invalidSessionId(), noBodyError('foo'), sessionNotFound('cancel-by-id'))
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
