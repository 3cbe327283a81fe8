import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { ApiError, PAYLOAD_TOO_LARGE } from './errors/api-error.js';
import { DeferredBodyError } from './http/body.js';

/**
 * Constraints whose violation wins over every other error of the same DTO (the share
 * contract's stage 1, §3.6.4). The constraint's message is handed to the factory.
 */
const priorityConstraints = new Map<string, (message: string) => ApiError>();

export function registerPriorityConstraint(name: string, toError: (message: string) => ApiError): void {
  priorityConstraints.set(name, toError);
}

function firstLeaf(error: ValidationError, path: string[] = []): { path: string[]; error: ValidationError } {
  const here = [...path, error.property];
  if (error.constraints && Object.keys(error.constraints).length > 0) return { path: here, error };
  const child = error.children?.[0];
  return child ? firstLeaf(child, here) : { path: here, error };
}

function findPriority(errors: ValidationError[]): ApiError | null {
  for (const error of errors) {
    for (const [name, message] of Object.entries(error.constraints ?? {})) {
      const toError = priorityConstraints.get(name);
      if (toError) return toError(message);
    }
    const nested = findPriority(error.children ?? []);
    if (nested) return nested;
  }
  return null;
}

/** Maps class-validator output to one BAD_REQUEST with the dotted `param` (§1.3). */
export function validationErrorToApiError(errors: ValidationError[]): ApiError {
  const priority = findPriority(errors);
  if (priority) return priority;
  const { path, error } = firstLeaf(errors[0]);
  const constraints = error.constraints ?? {};
  if (constraints.whitelistValidation) {
    return ApiError.badRequest(path.join('.'), `Unknown property \`${path.join('.')}\`.`);
  }
  const message = Object.values(constraints)[0] ?? `${path.join('.')} is invalid.`;
  return ApiError.badRequest(path.join('.'), message.endsWith('.') ? message : `${message}.`);
}

export function bodyProblemToApiError(problem: DeferredBodyError): ApiError {
  switch (problem.problem) {
    case 'too_large':
      return PAYLOAD_TOO_LARGE();
    case 'malformed_json':
      return ApiError.badRequest(undefined, 'The request body is not valid JSON.');
    case 'not_an_object':
      return ApiError.badRequest(undefined, 'The request body must be a JSON object.');
    case 'unsupported_media_type':
      return ApiError.badRequest(undefined, 'Send the request body as JSON with Content-Type: application/json.');
  }
}

/**
 * The global pipe: strict on bodies (unknown properties are errors), lenient on queries
 * (unknown parameters are ignored, §1.1), and no implicit type conversion anywhere.
 */
export class AppValidationPipe extends ValidationPipe {
  private readonly queryPipe: ValidationPipe;

  constructor() {
    const common = {
      whitelist: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      validationError: { target: false, value: false },
      stopAtFirstError: true,
      exceptionFactory: validationErrorToApiError,
    };
    super({ ...common, forbidNonWhitelisted: true });
    this.queryPipe = new ValidationPipe({ ...common, forbidNonWhitelisted: false });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body') {
      if (value instanceof DeferredBodyError) throw bodyProblemToApiError(value);
      if (value === undefined) value = {};
    }
    if (metadata.type === 'query') return this.queryPipe.transform(value ?? {}, metadata);
    return super.transform(value, metadata);
  }
}
