import { applyDecorators, HttpCode, type Type } from '@nestjs/common';
import { ApiExtension, ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { AuthErrorEnvelope, ErrorEnvelope, PaginationBody, PublicErrorEnvelope } from './dto/envelope.dto.js';
import { ApiError, PublicApiError } from './errors/api-error.js';
import { invalidCursor } from './pagination.js';

type Options = { status?: number; description?: string };

/**
 * `error` of a success envelope: always null. OpenAPI 3.0 has no `type: null`; a nullable
 * enum of null alone is how it says "the null literal", and generators read it as `null`.
 */
const NULL_ERROR = { type: 'object', nullable: true, enum: [null], example: null, description: 'Always null on success.' };

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
        properties: { data: { $ref: getSchemaPath(model) }, error: NULL_ERROR },
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
          error: NULL_ERROR,
          pagination: { $ref: getSchemaPath(PaginationBody) },
        },
      },
    }),
  );
}

/** An error as recorded on an operation, before `completeOpenApiDocument` renders it. */
export interface DocumentedError {
  status: number;
  code: string;
  message: string;
  hint: string;
  docsPath: string;
  param?: string;
  publicShape: boolean;
}

/** The extension key that carries an operation's own errors to `completeOpenApiDocument`. */
export const ERRORS_EXTENSION = 'x-passline-errors';

export const toDocumentedError = (error: ApiError): DocumentedError => ({
  status: error.status,
  code: error.code,
  message: error.message,
  hint: error.hint,
  docsPath: error.docsPath,
  ...(error.param !== undefined ? { param: error.param } : {}),
  publicShape: error instanceof PublicApiError,
});

/**
 * Documents the errors an operation's own checks can give (path id, query, body fields,
 * handler), one real error instance each: pass the factories' output, so each example is
 * what the server answers. The errors every operation of its kind shares (401, 403, 429,
 * idempotency, 413, 500) are added by `completeOpenApiDocument`, from the same factories.
 */
export function ApiErrors(...errors: ApiError[]): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(ErrorEnvelope, AuthErrorEnvelope, PublicErrorEnvelope),
    ApiExtension(ERRORS_EXTENSION, errors.map(toDocumentedError)),
  );
}

/** A field's 400 as the global validation pipe renders it: the DTO's message, as the hint. */
export const fieldError = (param: string, message: string): ApiError => ApiError.badRequest(param, `${message}.`);

/** The 400s of the pagination query every list takes (§1.7). */
export const listQueryErrors = (): ApiError[] => [fieldError('limit', 'limit must be an integer from 1 to 100'), invalidCursor()];
