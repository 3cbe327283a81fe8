import { Controller, Get, Header, HttpCode, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/auth.decorators.js';
import { PublicRateLimitGuard } from '../rate-limit/public-rate-limit.guard.js';
import { RawBody } from '../common/raw-body.decorator.js';
import { ApiEnvelope, ApiErrors } from '../common/swagger.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { HandoffResponse } from './dto/handoff.response.js';
import { PublicCancelDto } from './dto/public-cancel.dto.js';
import { VerifyStatusResponse } from './dto/verify-status.response.js';
import { PublicErrors } from '../common/errors/public-errors.js';
import { StatusStreamService, wantsEventStream } from './status-stream.service.js';
import { VerifyService } from './verify.service.js';

/** The exact 426 body of §1.2. */
const WEBSOCKET_REQUIRED_BODY = { error: { code: 'WEBSOCKET_REQUIRED', message: 'This endpoint requires a WebSocket connection.' } };

/** Public endpoints of the verify flow (§6): no API key; errors use the public shape (§6.2). */
@ApiTags('Verify')
@Public()
@UseGuards(PublicRateLimitGuard)
@Controller('v1/verify/session')
export class VerifyController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly verify: VerifyService,
    private readonly statusStream: StatusStreamService,
  ) {}

  @ApiOperation({
    operationId: 'handoffVerifySession',
    summary: 'Hand the verification off to the mobile app',
    description:
      'Used by the hosted page; no body. Starts a new attempt with a 5-minute `mobile_write_token`, or returns the same one again when the newest unused handoff was issued at most 60 s ago. The QR code and deep link carry this object as the Kayle ID app reads it: `kayle-id://<encodeURIComponent of its JSON>`.',
  })
  @ApiEnvelope(HandoffResponse)
  @HttpCode(200)
  @ApiResponse({ status: 400, description: 'INVALID_SESSION_ID.' })
  @ApiResponse({ status: 404, description: 'SESSION_NOT_FOUND.' })
  @ApiResponse({ status: 409, description: 'TEST_MODE_SESSION or SESSION_IN_PROGRESS.' })
  @ApiResponse({ status: 410, description: 'SESSION_EXPIRED: the session is final (succeeded, failed, expired or cancelled).' })
  @ApiErrors(
    PublicErrors.invalidSessionId(),
    PublicErrors.sessionNotFound(),
    PublicErrors.testModeSession(),
    PublicErrors.sessionInProgress(),
    PublicErrors.sessionExpired(),
  )
  @Header('Cache-Control', 'no-store')
  @Post(':id/handoff')
  handoff(@Param('id') id: string): Promise<HandoffResponse> {
    return this.verify.handoff(id);
  }

  @ApiOperation({
    operationId: 'getVerifySessionStatus',
    summary: 'Public status of a session',
    description:
      'Read by the hosted page: status, newest attempt and phase, remaining attempts and the requested claims. ' +
      'With `Accept: text/event-stream` the answer is a stream of Server-Sent Events instead (extension): one `status` event ' +
      'with this same envelope now and after every change, ending after a terminal status.',
  })
  @ApiEnvelope(VerifyStatusResponse)
  @ApiResponse({ status: 400, description: 'INVALID_SESSION_ID.' })
  @ApiResponse({ status: 404, description: 'SESSION_NOT_FOUND.' })
  @ApiErrors(PublicErrors.invalidSessionId(), PublicErrors.sessionNotFound())
  @Header('Cache-Control', 'no-store')
  @Get(':id/status')
  async status(
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<VerifyStatusResponse | undefined> {
    const status = await this.verify.status(id);
    if (!wantsEventStream(request)) return status;
    this.statusStream.stream(id, status, request, reply);
    return undefined;
  }

  @ApiOperation({
    operationId: 'cancelVerifySession',
    summary: 'Cancel a session with its cancel_token',
    description:
      'Used by the hosted page. 204 when cancelled, or when the session was already final (the token then stays unused).',
  })
  @ApiBody({ type: PublicCancelDto })
  @ApiResponse({ status: 204, description: 'Cancelled, or already final.' })
  @ApiResponse({ status: 400, description: 'INVALID_SESSION_ID, or BAD_REQUEST with param cancel_token.' })
  @ApiResponse({ status: 403, description: 'CANCEL_TOKEN_INVALID.' })
  @ApiResponse({ status: 404, description: 'SESSION_NOT_FOUND.' })
  @ApiResponse({ status: 409, description: 'CANCEL_TOKEN_CONSUMED.' })
  @ApiErrors(
    PublicErrors.invalidSessionId(),
    PublicErrors.badRequest('cancel_token'),
    PublicErrors.cancelTokenInvalid(),
    PublicErrors.sessionNotFound(),
    PublicErrors.cancelTokenConsumed(),
  )
  @HttpCode(204)
  @Post(':id/cancel')
  async cancel(@Param('id') id: string, @RawBody() body: unknown): Promise<void> {
    await this.sessions.cancelWithToken(id, body);
  }

  @ApiOperation({
    operationId: 'openVerifySocket',
    summary: 'The mobile WebSocket (§6.5)',
    description:
      'Open it with `Upgrade: websocket` (JSON text frames: hello, phase, data, share_selection). A plain HTTP request gets 426.',
  })
  @ApiParam({ name: 'id', description: 'The session id, `vs_` + 64 letters and digits.', example: `vs_${'a'.repeat(64)}` })
  @ApiResponse({ status: 101, description: 'Switching Protocols: the socket is open.' })
  @ApiResponse({
    status: 426,
    description: 'WEBSOCKET_REQUIRED (exact body).',
    schema: {
      type: 'object',
      required: ['error'],
      properties: {
        error: {
          type: 'object',
          required: ['code', 'message'],
          properties: {
            code: { type: 'string', enum: ['WEBSOCKET_REQUIRED'], description: 'Always WEBSOCKET_REQUIRED.' },
            message: { type: 'string', description: 'Always "This endpoint requires a WebSocket connection."' },
          },
        },
      },
    },
    example: WEBSOCKET_REQUIRED_BODY,
  })
  @Get(':id')
  websocketRequired(@Res() reply: FastifyReply): void {
    void reply
      .status(426)
      .header('content-type', 'application/json; charset=utf-8')
      .send(WEBSOCKET_REQUIRED_BODY);
  }
}
