import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { randomToken } from '../ids.js';

/**
 * Errors answered before a request reaches Nest (§1.4): a path Fastify's router cannot
 * decode or whose parameter is too long, and what Node's HTTP parser refuses outright
 * (headers over 16 KiB, a duplicated Content-Length, a malformed request line). They get
 * the same envelope and X-Request-Id as every other error instead of framework text.
 */

interface PreRoutingError {
  status: number;
  code: string;
  message: string;
  hint: string;
  docsPath: string;
}

const BAD_URL: PreRoutingError = {
  status: 400,
  code: 'BAD_REQUEST',
  message: 'Bad request.',
  hint: 'The request path contains a malformed percent-encoding.',
  docsPath: 'errors#bad_request',
};
const URI_TOO_LONG: PreRoutingError = {
  status: 414,
  code: 'URI_TOO_LONG',
  message: 'Request URI is too long.',
  hint: 'A path parameter may be at most 100 characters.',
  docsPath: 'errors#uri_too_long',
};
const HEADERS_TOO_LARGE: PreRoutingError = {
  status: 431,
  code: 'HEADERS_TOO_LARGE',
  message: 'Request headers are too large.',
  hint: 'The request line and headers together may be at most 16 KiB.',
  docsPath: 'errors#headers_too_large',
};
const REQUEST_TIMEOUT: PreRoutingError = {
  status: 408,
  code: 'REQUEST_TIMEOUT',
  message: 'Request timeout.',
  hint: 'The request was not received in time.',
  docsPath: 'errors',
};
const MALFORMED_REQUEST: PreRoutingError = {
  status: 400,
  code: 'BAD_REQUEST',
  message: 'Bad request.',
  hint: 'The HTTP request is malformed (request line, headers or framing).',
  docsPath: 'errors#bad_request',
};

function envelope(error: PreRoutingError, requestId: string, docsBaseUrl: string): string {
  return JSON.stringify({
    data: null,
    error: { code: error.code, message: error.message, hint: error.hint, docs: `${docsBaseUrl}/${error.docsPath}`, request_id: requestId },
  });
}

/** Fastify's `frameworkErrors`: a bad percent-encoding or an over-long path parameter. */
export function frameworkErrorHandler(docsBaseUrl: string) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const known = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? URI_TOO_LONG : BAD_URL;
    void reply
      .status(known.status)
      .header('x-request-id', request.id)
      .header('x-content-type-options', 'nosniff')
      .header('content-type', 'application/json; charset=utf-8')
      .send(envelope(known, request.id, docsBaseUrl));
  };
}

/**
 * Fastify's `clientErrorHandler` (Node's `clientError`): there is no request object, so the
 * answer is written on the socket by hand, and the connection is closed after it.
 */
export function clientErrorHandler(docsBaseUrl: string) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    // A reset connection has nobody left to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const known =
      err.code === 'HPE_HEADER_OVERFLOW' ? HEADERS_TOO_LARGE : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? REQUEST_TIMEOUT : MALFORMED_REQUEST;
    const requestId = `req_${randomToken(24)}`;
    const body = envelope(known, requestId, docsBaseUrl);
    if (socket.writable) {
      socket.end(
        `HTTP/1.1 ${known.status} ${STATUS_CODES[known.status]}\r\n` +
          'Content-Type: application/json; charset=utf-8\r\n' +
          `Content-Length: ${Buffer.byteLength(body)}\r\n` +
          `X-Request-Id: ${requestId}\r\n` +
          'X-Content-Type-Options: nosniff\r\n' +
          'Connection: close\r\n\r\n' +
          body,
      );
    }
    // A peer that never reads must not keep the socket.
    setTimeout(() => socket.destroy(), 1_000).unref();
  };
}
