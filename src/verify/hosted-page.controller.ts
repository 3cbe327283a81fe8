import { Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/auth.decorators.js';
import { PublicApiError } from '../common/errors/api-error.js';
import { RawBody } from '../common/raw-body.decorator.js';
import { HostedPageService } from './hosted-page.service.js';
import { VerifyService } from './verify.service.js';

const HTML = 'text/html; charset=utf-8';

/**
 * The hosted verification page (§8) at `<PUBLIC_BASE_URL>/verify/<session_id>`: HTML,
 * its two static assets, and the QR code of a handoff. Not part of the `/v1` API, so it is
 * left out of the OpenAPI document; responses are written directly, not enveloped.
 */
@ApiExcludeController()
@Public()
@Controller('verify')
export class HostedPageController {
  constructor(
    private readonly page: HostedPageService,
    private readonly verify: VerifyService,
  ) {}

  @Get('assets/page.js')
  script(@Res() reply: FastifyReply): void {
    this.sendAsset(reply, 'page.js');
  }

  @Get('assets/page.css')
  stylesheet(@Res() reply: FastifyReply): void {
    this.sendAsset(reply, 'page.css');
  }

  /** An invalid or unknown id answers 404 with the §6.2 message (§8 Loading). */
  @Get(':session_id')
  async show(@Param('session_id') sessionId: string, @Res() reply: FastifyReply): Promise<void> {
    let html: string;
    let status = 200;
    try {
      await this.verify.findSession(sessionId);
      html = this.page.renderPage(sessionId);
    } catch (error) {
      if (!(error instanceof PublicApiError)) throw error;
      status = 404;
      html = this.page.renderUnavailable(error.message);
    }
    void reply.status(status).headers(this.page.headers).type(HTML).send(html);
  }

  /**
   * The SVG QR code of a handoff deep link, sent in the body (`{"deep_link": "kayle-id://…"}`)
   * so that the token never appears in a URL or an access log.
   */
  @Post(':session_id/qr')
  async qr(@Param('session_id') sessionId: string, @RawBody() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    const svg = await this.page.renderQr(sessionId, body);
    void reply.status(200).headers(this.page.headers).type('image/svg+xml; charset=utf-8').send(svg);
  }

  private sendAsset(reply: FastifyReply, name: keyof HostedPageService['assets']): void {
    const asset = this.page.assets[name];
    void reply.status(200).headers(this.page.headers).type(asset.contentType).send(asset.body);
  }
}
