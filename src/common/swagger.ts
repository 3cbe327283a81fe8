import { applyDecorators, HttpCode, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { AuthErrorEnvelope, ErrorEnvelope, PaginationBody } from './dto/envelope.dto.js';

type Options = { status?: number; description?: string };

/**
 * Documents `{"data": <model>, "error": null}` and sets the status code. The Swagger CLI
 * plugin cannot see the `HttpCode` inside, and documents a 201 for any `@Post()` handler
 * without its own `@HttpCode(...)`: POST handlers state theirs too.
 */
export function ApiEnvelope(model: Type<unknown>, options: Options = {}): MethodDecorator {
  const status = options.status ?? 200;
  return applyDecorators(
    HttpCode(status),
    ApiExtraModels(model),
    ApiResponse({
      status,
      description: options.description ?? 'Success.',
      schema: {
        type: 'object',
        required: ['data', 'error'],
        properties: { data: { $ref: getSchemaPath(model) }, error: { type: 'null', example: null } },
      },
    }),
  );
}

/** Documents `{"data": [<model>], "error": null, "pagination": {...}}`. */
export function ApiListEnvelope(model: Type<unknown>, options: Options = {}): MethodDecorator {
  return applyDecorators(
    HttpCode(200),
    ApiExtraModels(model, PaginationBody),
    ApiResponse({
      status: 200,
      description: options.description ?? 'One page, newest first.',
      schema: {
        type: 'object',
        required: ['data', 'error', 'pagination'],
        properties: {
          data: { type: 'array', items: { $ref: getSchemaPath(model) } },
          error: { type: 'null', example: null },
          pagination: { $ref: getSchemaPath(PaginationBody) },
        },
      },
    }),
  );
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input; `error.param` names the field.',
  401: 'Missing, malformed, unknown, disabled or revoked key (exact body).',
  403: 'The key lacks a required scope (exact body).',
  404: 'Not found in your organization and environment.',
  409: 'Conflict with the current state.',
  410: 'Gone.',
  413: 'Body over 100 KiB.',
  422: 'Idempotency key reused with a different request.',
  429: 'Rate limited; see Retry-After.',
};

/** Documents error responses with the envelope schema. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ErrorEnvelope, AuthErrorEnvelope),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: ERROR_DESCRIPTIONS[status] ?? 'Error.',
        schema: { $ref: getSchemaPath(status === 401 || status === 403 ? AuthErrorEnvelope : ErrorEnvelope) },
      }),
    ),
  );
}
