import { ArgumentsHost, Catch, HttpException, Inject, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { appConfig, type AppConfig } from '../../config/app.config.js';
import { LIST_ROUTE, requestedLimit } from '../envelope.js';
import {
  ApiError,
  FORBIDDEN_BODY,
  ForbiddenError,
  INTERNAL_ERROR,
  PAYLOAD_TOO_LARGE,
  PublicApiError,
  ROUTE_NOT_FOUND,
  UNAUTHORIZED_BODY,
  UnauthorizedError,
} from './api-error.js';
import { IdempotentReplay } from './idempotent-replay.js';
import { aboutRequest } from '../logging/logger.js';

/** Turns every error into the envelope of contract §1.2; never leaks framework output. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  constructor(@Inject(appConfig.KEY) private readonly config: AppConfig) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    if (reply.sent) return;

    const httpStatus = exception instanceof HttpException ? exception.getStatus() : null;
    if (exception instanceof IdempotentReplay) {
      reply.status(exception.status).header('idempotent-replayed', 'true');
      // A stored 204 has no body, so no content type either.
      if (exception.body !== '') reply.header('content-type', 'application/json; charset=utf-8');
      void reply.send(exception.body === '' ? undefined : exception.body);
      return;
    }
    if (exception instanceof UnauthorizedError || httpStatus === 401) {
      void reply.status(401).send(UNAUTHORIZED_BODY);
      return;
    }
    if (exception instanceof ForbiddenError || httpStatus === 403) {
      void reply.status(403).send(FORBIDDEN_BODY);
      return;
    }

    const error = this.toApiError(exception, request);
    if (error instanceof PublicApiError) {
      const publicBody = {
        data: null,
        error: {
          code: error.code,
          message: error.message,
          request_id: request.id,
          ...(error.param !== undefined ? { param: error.param } : {}),
        },
      };
      void reply.status(error.status).header('content-type', 'application/json; charset=utf-8').send(publicBody);
      return;
    }
    const body: Record<string, unknown> = {
      data: null,
      error: {
        code: error.code,
        message: error.message,
        hint: error.hint,
        docs: `${this.config.docsBaseUrl}/${error.docsPath}`,
        request_id: request.id,
        ...(error.param !== undefined ? { param: error.param } : {}),
      },
    };
    const routeConfig = (request.routeOptions?.config ?? {}) as unknown as Record<string, unknown>;
    if (routeConfig[LIST_ROUTE]) {
      const query = (request.query ?? {}) as Record<string, unknown>;
      body.pagination = { limit: requestedLimit(query.limit), has_more: false, next_cursor: null };
    }
    void reply.status(error.status).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  private toApiError(exception: unknown, request: FastifyRequest): ApiError {
    if (exception instanceof ApiError) return exception;
    const fastifyCode = (exception as { code?: unknown } | null)?.code;
    if (fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE') return PAYLOAD_TOO_LARGE();
    if (typeof fastifyCode === 'string' && fastifyCode.startsWith('FST_ERR_CTP_')) {
      return ApiError.badRequest(undefined, 'The request body could not be read.');
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 404) return ROUTE_NOT_FOUND();
      if (status === 413) return PAYLOAD_TOO_LARGE();
      if (status === 415) return ApiError.badRequest(undefined, 'Send the request body as JSON with Content-Type: application/json.');
      if (status >= 400 && status < 500) {
        return new ApiError(status, status === 400 ? 'BAD_REQUEST' : `HTTP_${status}`, 'Bad request.', 'The request was not accepted.', 'errors#bad_request');
      }
    }
    const statusCode = (exception as { statusCode?: unknown } | null)?.statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return ApiError.badRequest(undefined, 'The request could not be read.');
    }
    this.logger.error(
      aboutRequest(
        request.id,
        `Unhandled error on ${request.method} ${request.url.split('?')[0]} [${request.id}]: ${
          exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)
        }`,
      ),
    );
    return INTERNAL_ERROR();
  }
}
