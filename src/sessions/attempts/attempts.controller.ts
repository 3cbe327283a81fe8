import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../../auth/auth.decorators.js';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { ListEndpoint, Page } from '../../common/envelope.js';
import { ApiErrors, ApiListEnvelope, listQueryErrors } from '../../common/swagger.js';
import { attemptsFilterRequired, AttemptsService } from './attempts.service.js';
import { AttemptResponse } from './dto/attempt.response.js';
import { ListAttemptsQuery } from './dto/list-attempts.query.js';

const ATTEMPTS_QUERY_ERRORS = () => [attemptsFilterRequired(), ...listQueryErrors()];

/** §4.2. Static paths, so they win over `/v1/sessions/:id`. */
@ApiTags('Attempts')
@Controller('v1/sessions/attempts')
export class AttemptsController {
  constructor(private readonly attempts: AttemptsService) {}

  @ApiOperation({ operationId: 'listAttempts', summary: 'List attempts, newest first (filter by session_id and/or status)' })
  @ApiListEnvelope(AttemptResponse)
  @ApiErrors(...ATTEMPTS_QUERY_ERRORS())
  @ListEndpoint()
  @Scopes('sessions:read')
  @Get()
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListAttemptsQuery): Promise<Page<AttemptResponse>> {
    return this.attempts.list(principal, query);
  }

  @ApiOperation({ operationId: 'listAttemptsAlias', summary: 'List attempts (alias of GET /v1/sessions/attempts)' })
  @ApiListEnvelope(AttemptResponse)
  @ApiErrors(...ATTEMPTS_QUERY_ERRORS())
  @ListEndpoint()
  @Scopes('sessions:read')
  @Get('attempts')
  listAlias(@CurrentPrincipal() principal: Principal, @Query() query: ListAttemptsQuery): Promise<Page<AttemptResponse>> {
    return this.attempts.list(principal, query);
  }
}
