import { Body, Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../auth/auth.decorators.js';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { EmptyBodyPipe, noBodyError } from '../common/dto/empty-body.dto.js';
import { ApiEnvelope, ApiErrors, fieldError } from '../common/swagger.js';
import { unknownProperty } from '../common/validation.js';
import { SessionResponse } from '../sessions/dto/session.response.js';
import { invalidSessionId, SessionIdGuard } from '../sessions/session-id.guard.js';
import { sessionNotFound } from '../sessions/sessions.service.js';
import { FailSessionDto, SucceedSessionDto } from './dto/test-helpers.dto.js';
import { sessionTerminal, TestHelpersService } from './test-helpers.service.js';
import { TestModeGuard, testModeRequired } from './test-mode.guard.js';

/** Simulated outcomes for test-mode sessions (§7, extension). Needs a kk_test_ key. */
@ApiTags('Test helpers')
@Scopes('sessions:write')
@UseGuards(TestModeGuard)
@Controller('v1/test_helpers/sessions')
export class TestHelpersController {
  constructor(private readonly helpers: TestHelpersService) {}

  @ApiOperation({ operationId: 'succeedTestSession', summary: 'Simulate a successful verification with the test identity' })
  @ApiEnvelope(SessionResponse)
  @ApiErrors(testModeRequired(), invalidSessionId(), sessionNotFound('get-by-id'), sessionTerminal(), fieldError('selected_field_keys', 'selected_field_keys must be an array of strings'))
  @HttpCode(200)
  @UseGuards(SessionIdGuard)
  @Post(':id/succeed')
  succeed(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: SucceedSessionDto,
  ): Promise<SessionResponse> {
    return this.helpers.succeed(principal, id, body.selected_field_keys);
  }

  @ApiOperation({ operationId: 'failTestSession', summary: 'Simulate a failed attempt (the 3-failure budget applies)' })
  @ApiEnvelope(SessionResponse)
  @ApiErrors(testModeRequired(), invalidSessionId(), sessionNotFound('get-by-id'), sessionTerminal(), unknownProperty('foo'))
  @HttpCode(200)
  @UseGuards(SessionIdGuard)
  @Post(':id/fail')
  fail(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: FailSessionDto,
  ): Promise<SessionResponse> {
    return this.helpers.fail(principal, id, body.failure_code);
  }

  @ApiOperation({ operationId: 'expireTestSession', summary: 'Expire the session now' })
  @ApiEnvelope(SessionResponse)
  @ApiErrors(testModeRequired(), invalidSessionId(), sessionNotFound('get-by-id'), sessionTerminal(), noBodyError('foo'))
  @HttpCode(200)
  @UseGuards(SessionIdGuard)
  @Post(':id/expire')
  expire(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(EmptyBodyPipe) _body: Record<string, never>,
  ): Promise<SessionResponse> {
    return this.helpers.expire(principal, id);
  }
}
