import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators.js';
import { RawBody } from '../common/raw-body.decorator.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { PublicCancelDto } from './dto/public-cancel.dto.js';

/** Public endpoints of the verify flow (§6): no API key; errors use the public shape (§6.2). */
@ApiTags('Verify (public)')
@Public()
@Controller('v1/verify/session')
export class VerifyController {
  constructor(private readonly sessions: SessionsService) {}

  @ApiOperation({
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
  @HttpCode(204)
  @Post(':id/cancel')
  async cancel(@Param('id') id: string, @RawBody() body: unknown): Promise<void> {
    await this.sessions.cancelWithToken(id, body);
  }
}
