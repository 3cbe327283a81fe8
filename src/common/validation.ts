import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { ApiError, PAYLOAD_TOO_LARGE } from './errors/api-error.js';
import { BODY_MAX_CONTAINERS, BODY_MAX_DEPTH, DeferredBodyError } from './http/body.js';

/**
 * Constraints whose violation wins over every other error of the same DTO (the share
 * contract's stage 1, §3.6.4). The constraint's message is handed to the factory.
 */
const priorityConstraints = new Map<string, (message: string) => ApiError>();

export function registerPriorityConstraint(name: string, toError: (message: string) => ApiError): void {
  priorityConstraints.set(name, toError);
}

/** The 400 of a body property no DTO declares (§1.1), named by its dotted path. */
export const unknownProperty = (path: string): ApiError => ApiError.badRequest(path, `Unknown property \`${path}\`.`);

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

/**
 * Type checks, named by class-validator. A value of the wrong type fails its range checks too
 * (`"soon"` is not at most 86400), and the type is what the caller got wrong, so it is named.
 */
const TYPE_CONSTRAINTS = new Set(['isInt', 'isNumber', 'isString', 'isBoolean', 'isArray', 'isObject', 'isDate', 'nestedValidation']);

const firstMessage = (constraints: Record<string, string>): string | undefined =>
  Object.entries(constraints).find(([name]) => TYPE_CONSTRAINTS.has(name))?.[1] ?? Object.values(constraints)[0];

/** Maps class-validator output to one BAD_REQUEST with the dotted `param` (§1.3). */
export function validationErrorToApiError(errors: ValidationError[]): ApiError {
  const priority = findPriority(errors);
  if (priority) return priority;
  const { path, error } = firstLeaf(errors[0]);
  const constraints = error.constraints ?? {};
  if (constraints.whitelistValidation) {
    return unknownProperty(path.join('.'));
  }
  const message = firstMessage(constraints) ?? `${path.join('.')} is invalid.`;
  return ApiError.badRequest(path.join('.'), message.endsWith('.') ? message : `${message}.`);
}

export function bodyProblemToApiError(problem: DeferredBodyError): ApiError {
  switch (problem.problem) {
    case 'too_large':
      return PAYLOAD_TOO_LARGE();
    case 'malformed_json':
      return ApiError.badRequest(undefined, 'The request body is not valid JSON.');
    case 'too_deep':
      return ApiError.badRequest(undefined, `The request body is nested too deeply (at most ${BODY_MAX_DEPTH} levels of objects and arrays).`);
    case 'too_complex':
      return ApiError.badRequest(undefined, `The request body holds too many objects and arrays (at most ${BODY_MAX_CONTAINERS}).`);
    case 'not_an_object':
      return ApiError.badRequest(undefined, 'The request body must be a JSON object.');
    case 'unsupported_media_type':
      return ApiError.badRequest(undefined, 'Send the request body as JSON with Content-Type: application/json.');
  }
}

/**
 * Body keys that would never reach a DTO: Nest strips `__proto__`, `constructor` and
 * `prototype` (prototype-pollution guard) and class-transformer skips names inherited from
 * Object.prototype (`toString`, `valueOf`, …). Left alone they would be dropped silently,
 * where the contract wants an unknown property to be a 400 (§1.1).
 */
const isShadowedKey = (key: string): boolean => key === 'prototype' || key in Object.prototype;

const declaredCache = new WeakMap<object, Set<string>>();

/** The body properties a DTO declares (those with at least one validation decorator). */
function declaredProperties(metatype: abstract new (...args: never[]) => unknown): Set<string> {
  let names = declaredCache.get(metatype);
  if (!names) {
    names = new Set(getMetadataStorage().getTargetValidationMetadatas(metatype, '', true, false).map((m) => m.propertyName));
    declaredCache.set(metatype, names);
  }
  return names;
}

/**
 * The part of a body that decides its answer: every declared property, and of the
 * undeclared ones only the first, emptied. The whitelist reports unknown properties first
 * and in body order, so the answer is the same, but class-transformer no longer copies
 * (and the validator no longer reports) thousands of unknown keys or a 100 KiB tree under
 * one of them, which cost hundreds of ms of CPU per request (§1.1).
 */
function decidingPart(body: Record<string, unknown>, declared: Set<string>): Record<string, unknown> {
  const part: Record<string, unknown> = {};
  let unknownKept = false;
  for (const key of Object.keys(body)) {
    if (isShadowedKey(key)) continue;
    if (declared.has(key)) part[key] = body[key];
    else if (!unknownKept) {
      part[key] = null;
      unknownKept = true;
    }
  }
  return part;
}

/** Distinct passing queries remembered per DTO; a client looping over cursors only churns it. */
const PASSING_QUERIES_MAX = 512;

/**
 * The parsed query as a cache key: parameters are strings (or arrays of strings when
 * repeated), so JSON with the keys in their order tells two queries apart exactly.
 * Undefined (never cached) for anything else, or a long query.
 */
function queryKey(query: Record<string, unknown>): string | undefined {
  let key: string;
  try {
    key = JSON.stringify(query);
  } catch {
    return undefined;
  }
  return key.length <= 512 ? key : undefined;
}

function hasOnlyPrimitives(dto: Record<string, unknown>): boolean {
  for (const value of Object.values(dto)) if (value !== null && typeof value === 'object') return false;
  return true;
}

/** Each body being validated, as parsed, keyed by the object the DTO is built from. */
const pristineBodies = new WeakMap<object, Record<string, unknown>>();

/**
 * The body exactly as parsed (every key kept), for a `@Transform` whose field must see keys
 * such as `toString` or `__proto__` (the share_fields map, §3.6). `source` is the `obj` of
 * the transform; undefined outside the global pipe.
 */
export function pristineBodyOf(source: unknown): Record<string, unknown> | undefined {
  return source !== null && typeof source === 'object' ? pristineBodies.get(source) : undefined;
}

/**
 * The global pipe: strict on bodies (unknown properties are errors), lenient on queries
 * (unknown parameters are ignored, §1.1), and no implicit type conversion anywhere.
 */
export class AppValidationPipe extends ValidationPipe {
  private readonly queryPipe: ValidationPipe;
  /**
   * Queries known to pass, per DTO: the query (its parameters as parsed) → the DTO it gave.
   * Most reads send the same few (none at all for `GET /v1/sessions/:id`, `limit=10` for a
   * dashboard's list), and validating them gives the same answer every time; known once, a
   * repeat costs a copy instead of a pass through class-transformer and class-validator
   * (7% of a list's CPU). Only DTOs whose values are all primitives are kept, so no two
   * requests share a Date or an array.
   */
  private readonly passingQueries = new WeakMap<object, Map<string, Record<string, unknown>>>();

  constructor() {
    const common = {
      whitelist: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      validationError: { target: false, value: false },
      // Every failing constraint of the first bad field is collected, so the type one can win.
      stopAtFirstError: false,
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
    if (metadata.type === 'query') return this.transformQuery(value ?? {}, metadata);
    if (metadata.type === 'body' && value !== null && typeof value === 'object' && this.toValidate(metadata)) {
      return this.transformBody(value as Record<string, unknown>, metadata);
    }
    return super.transform(value, metadata);
  }

  private async transformQuery(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const { metatype } = metadata;
    if (!metatype || !this.toValidate(metadata) || value === null || typeof value !== 'object') return this.queryPipe.transform(value, metadata);
    const key = queryKey(value as Record<string, unknown>);
    let known = this.passingQueries.get(metatype);
    const hit = key === undefined ? undefined : known?.get(key);
    if (hit) return Object.assign(new (metatype as new () => object)(), hit);
    const dto = (await this.queryPipe.transform(value, metadata)) as Record<string, unknown>;
    // Reached only when the query passed (a failure throws).
    if (key !== undefined && hasOnlyPrimitives(dto)) {
      if (!known) this.passingQueries.set(metatype, (known = new Map()));
      if (known.size >= PASSING_QUERIES_MAX) known.clear();
      known.set(key, { ...dto });
    }
    return dto;
  }

  /** Validates a body DTO without losing keys the framework drops (see isShadowedKey). */
  private async transformBody(body: Record<string, unknown>, metadata: ArgumentMetadata): Promise<unknown> {
    const keys = Object.keys(body);
    const shadowed = keys.find(isShadowedKey);
    const part = metadata.metatype ? decidingPart(body, declaredProperties(metadata.metatype)) : body;
    // HTTP bodies come from JSON.parse, so a JSON round trip is an exact copy (own `__proto__`
    // included); anything that is not JSON-safe is validated as before.
    let pristine: Record<string, unknown>;
    try {
      pristine = JSON.parse(JSON.stringify(part)) as Record<string, unknown>;
    } catch {
      return super.transform(body, metadata);
    }
    pristineBodies.set(part, pristine);
    try {
      const dto = await super.transform(part, metadata);
      if (shadowed !== undefined) throw unknownProperty(shadowed);
      return dto;
    } catch (error) {
      // Priority errors (share contract stage 1) keep winning; between two unknown properties
      // the first one in the body is named.
      if (
        shadowed !== undefined &&
        error instanceof ApiError &&
        error.code === 'BAD_REQUEST' &&
        error.param !== undefined &&
        error.param !== shadowed &&
        keys.indexOf(error.param.split('.')[0]) > keys.indexOf(shadowed)
      ) {
        throw unknownProperty(shadowed);
      }
      throw error;
    } finally {
      pristineBodies.delete(part);
    }
  }
}
