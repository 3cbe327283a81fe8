import { Inject, Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { SESSION_ID_PATTERN } from '../common/ids.js';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { parseDeepLink } from './handoff.js';
import { pageCopy } from './page-copy.js';
import { PublicErrors } from '../common/errors/public-errors.js';
import { VERDICT_REASON_MESSAGES } from './verdict-messages.js';

/** Headers of every hosted-page response (§8), assets and QR codes included. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
});

export interface PageAsset {
  contentType: string;
  body: Buffer;
}

/** The files under page/, copied next to the compiled code by the build (nest-cli.json `assets`). */
const PAGE_DIR = new URL('./page/', import.meta.url);

const readPageFile = (name: string): string => readFileSync(new URL(name, PAGE_DIR), 'utf8');

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** JSON that is safe inside a `<script type="application/json">` element. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

/**
 * The hosted verification page (§8): one HTML template, one script and one stylesheet,
 * read once at start-up, and the QR code of a handoff deep link rendered as SVG here so
 * the page needs no client-side encoder and the token never appears in a URL.
 */
@Injectable()
export class HostedPageService {
  /**
   * PAGE_HEADERS, plus HSTS when the page is served over https (§9.5): a visitor who once
   * reached it securely is never downgraded to http on a later visit.
   */
  readonly headers: Readonly<Record<string, string>>;

  private readonly template = readPageFile('page.html');
  readonly assets: Readonly<Record<'page.js' | 'page.css', PageAsset>> = {
    'page.js': { contentType: 'text/javascript; charset=utf-8', body: Buffer.from(readPageFile('page.js')) },
    'page.css': { contentType: 'text/css; charset=utf-8', body: Buffer.from(readPageFile('page.css')) },
  };
  private readonly copyJson: string;

  constructor(@Inject(appConfig.KEY) private readonly config: AppConfig) {
    this.headers = config.publicBaseUrl.startsWith('https://')
      ? { ...PAGE_HEADERS, 'strict-transport-security': 'max-age=31536000' }
      : PAGE_HEADERS;
    this.copyJson = scriptJson(pageCopy(config.verifyApp));
  }

  /** The page for a session that exists; the script reads its status and does the rest. */
  renderPage(sessionId: string): string {
    return this.render({
      title: 'Verify your identity',
      sessionId,
      content: '<p class="muted" role="status">Loading your verification…</p>' +
        '<noscript><p>This page needs JavaScript to continue the verification.</p></noscript>',
    });
  }

  /** The page for an invalid or unknown id: the §6.2 message, no script work. */
  renderUnavailable(message: string): string {
    return this.render({
      title: 'Verification link not available',
      sessionId: '',
      content: `<h1>Verification link not available</h1><p role="alert">${escapeHtml(message)}</p>`,
    });
  }

  /**
   * The QR code of a handoff deep link, as an accessible SVG element. Only a well-formed
   * kayle-id link for this very session is rendered, so the route is no general QR service.
   */
  async renderQr(sessionId: string, body: unknown): Promise<string> {
    if (!SESSION_ID_PATTERN.test(sessionId)) throw PublicErrors.invalidSessionId();
    const link =
      body && typeof body === 'object' && !Array.isArray(body) && Object.keys(body).join(',') === 'deep_link'
        ? (body as { deep_link: unknown }).deep_link
        : undefined;
    const data = typeof link === 'string' ? parseDeepLink(link) : null;
    if (!data || data.session_id !== sessionId) throw PublicErrors.badRequest('deep_link');
    // Level L keeps the ~600-character link at the lowest module count, which phones
    // scan best from a screen; a screen does not get dirty or torn like print.
    // Loaded on the first QR code, not at start: most instances never draw one (a few MB of RSS).
    const { default: QRCode } = await import('qrcode');
    const svg = await QRCode.toString(link as string, { type: 'svg', errorCorrectionLevel: 'L', margin: 4 });
    return svg.replace(
      '<svg ',
      `<svg role="img" aria-label="QR code: scan it with your phone to continue in the ${escapeHtml(this.config.verifyApp.name)} app" focusable="false" `,
    );
  }

  private render(parts: { title: string; sessionId: string; content: string }): string {
    const values: Record<string, string> = {
      title: escapeHtml(parts.title),
      session_id: escapeHtml(parts.sessionId),
      content: parts.content,
      verdict_messages: scriptJson(VERDICT_REASON_MESSAGES),
      page_copy: this.copyJson,
    };
    return this.template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => values[name] ?? whole);
  }
}
