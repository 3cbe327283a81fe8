import { Body, Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../auth/auth.decorators.js';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { EmptyBodyPipe } from '../common/dto/empty-body.dto.js';
import { ApiEnvelope, ApiErrors } from '../common/swagger.js';
import { SessionResponse } from '../sessions/dto/session.response.js';
import { SessionIdGuard } from '../sessions/session-id.guard.js';
import { FailSessionDto, SucceedSessionDto } from './dto/test-helpers.dto.js';
import { TestHelpersService } from './test-helpers.service.js';
import { TestModeGuard } from './test-mode.guard.js';

/** Simulated outcomes for test-mode sessions (§7, extension). Needs a kk_test_ key. */
@ApiTags('Test helpers (extension)')
@ApiErrors(400, 401, 403, 404, 409, 422, 429)
@Scopes('sessions:write')
@UseGuards(TestModeGuard)
@Controller('v1/test_helpers/sessions')
export class TestHelpersController {
  constructor(private readonly helpers: TestHelpersService) {}

  @ApiOperation({ summary: 'Simulate a successful verification with the test identity' })
  @ApiEnvelope(SessionResponse)
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

  @ApiOperation({ summary: 'Simulate a failed attempt (the 3-failure budget applies)' })
  @ApiEnvelope(SessionResponse)
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

  @ApiOperation({ summary: 'Expire the session now' })
  @ApiEnvelope(SessionResponse)
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
