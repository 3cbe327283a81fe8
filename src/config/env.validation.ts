import { createRequire } from 'node:module';
import { isAllowListEntry } from './network-policy.js';

// Required, not imported: both packages are CommonJS, and an ES import of one makes Node scan
// each of its files for named exports (class-validator re-exports ~200): ~120 ms of CPU on
// every admin CLI command, which reads this file and little else. Same modules, same
// metadata storage as the application's own imports of them.
const require = createRequire(import.meta.url);
const { plainToInstance, Transform } = require('class-transformer') as typeof import('class-transformer');
const { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, ValidateBy, validateSync } =
  require('class-validator') as typeof import('class-validator');

/** One clear line, printed by main.ts before it exits. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;

const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  return value;
};

const emptyToUndefined = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/** The environment variables Passline reads, validated once at boot. */
export class EnvironmentVariables {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt)
  @IsInt({ message: 'PORT must be an integer between 1 and 65535' })
  @Min(1, { message: 'PORT must be an integer between 1 and 65535' })
  @Max(65535, { message: 'PORT must be an integer between 1 and 65535' })
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  DATABASE_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['sqlite', 'postgres'], { message: 'DB_DRIVER must be sqlite or postgres' })
  DB_DRIVER?: 'sqlite' | 'postgres';

  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toUpperCase() : value))
  @IsIn(['NORMAL', 'FULL'], { message: 'SQLITE_SYNCHRONOUS must be NORMAL or FULL' })
  SQLITE_SYNCHRONOUS: 'NORMAL' | 'FULL' = 'NORMAL';

  @Transform(toInt)
  @IsInt({ message: 'SQLITE_BUSY_TIMEOUT_MS must be an integer from 0 to 600000' })
  @Min(0, { message: 'SQLITE_BUSY_TIMEOUT_MS must be an integer from 0 to 600000' })
  @Max(600000, { message: 'SQLITE_BUSY_TIMEOUT_MS must be an integer from 0 to 600000' })
  SQLITE_BUSY_TIMEOUT_MS = 5000;

  @Transform(toBool)
  @IsBoolean({ message: 'DB_MIGRATIONS_RUN must be true or false' })
  DB_MIGRATIONS_RUN = true;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'SERVER_SECRET must be at least 32 characters long' })
  SERVER_SECRET?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'ADMIN_TOKEN must be at least 32 characters long' })
  ADMIN_TOKEN?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { message: 'PUBLIC_BASE_URL must be an http(s) URL' })
  PUBLIC_BASE_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { message: 'VERIFY_BASE_URL must be an http(s) URL' })
  VERIFY_BASE_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { message: 'DOCS_BASE_URL must be an http(s) URL' })
  DOCS_BASE_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @Matches(/^[^\r\n]{1,60}$/, { message: 'VERIFY_APP_NAME must be 1 to 60 characters on one line' })
  VERIFY_APP_NAME?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https:\/\/[^\s/]+(\/[^\s]*)?$/, { message: 'VERIFY_APP_URL must be an https URL' })
  VERIFY_APP_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  CORS_ORIGINS?: string;

  @Transform(toInt)
  @IsInt({ message: 'EXPIRY_SWEEP_INTERVAL_S must be an integer from 30 to 60' })
  @Min(30, { message: 'EXPIRY_SWEEP_INTERVAL_S must be an integer from 30 to 60' })
  @Max(60, { message: 'EXPIRY_SWEEP_INTERVAL_S must be an integer from 30 to 60' })
  EXPIRY_SWEEP_INTERVAL_S = 30;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  CSCA_TRUST_STORE_DIR?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['soft', 'strict'], {
    message: 'CRL_POLICY must be soft (accept a passport when its CRL is past nextUpdate, with a warning) or strict (fail it)',
  })
  CRL_POLICY?: 'soft' | 'strict';

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^(https?:\/\/[^\s/]+(\/[^\s]*)?|builtin|none|dev:accept-any-face)$/, {
    message: 'FACE_MATCH_URL must be builtin, none, an http(s) URL, or dev:accept-any-face for local demos',
  })
  FACE_MATCH_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  FACE_MATCH_SECRET?: string;

  @Transform(({ value }) => (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)) ? Number(value) : value === '' ? undefined : value))
  @IsOptional()
  @Min(0, { message: 'FACE_MATCH_THRESHOLD must be a number from 0 to 1' })
  @Max(1, { message: 'FACE_MATCH_THRESHOLD must be a number from 0 to 1' })
  FACE_MATCH_THRESHOLD?: number;

  @Transform(toInt)
  @IsInt({ message: 'FACE_MATCH_TIMEOUT_MS must be an integer from 100 to 120000' })
  @Min(100, { message: 'FACE_MATCH_TIMEOUT_MS must be an integer from 100 to 120000' })
  @Max(120000, { message: 'FACE_MATCH_TIMEOUT_MS must be an integer from 100 to 120000' })
  FACE_MATCH_TIMEOUT_MS = 10000;

  @Transform(toInt)
  @IsInt({ message: 'FACE_MATCH_CONCURRENCY must be an integer from 1 to 16' })
  @Min(1, { message: 'FACE_MATCH_CONCURRENCY must be an integer from 1 to 16' })
  @Max(16, { message: 'FACE_MATCH_CONCURRENCY must be an integer from 1 to 16' })
  FACE_MATCH_CONCURRENCY = 1;

  @Transform(toInt)
  @IsInt({ message: 'WEBHOOK_DISPATCH_INTERVAL_MS must be an integer from 0 (off: dispatch only when deliveries are created) to 600000' })
  @Min(0, { message: 'WEBHOOK_DISPATCH_INTERVAL_MS must be an integer from 0 (off: dispatch only when deliveries are created) to 600000' })
  @Max(600000, { message: 'WEBHOOK_DISPATCH_INTERVAL_MS must be an integer from 0 (off: dispatch only when deliveries are created) to 600000' })
  WEBHOOK_DISPATCH_INTERVAL_MS = 1000;

  @Transform(toInt)
  @IsInt({ message: 'WEBHOOK_DISPATCH_CONCURRENCY must be an integer from 1 to 100' })
  @Min(1, { message: 'WEBHOOK_DISPATCH_CONCURRENCY must be an integer from 1 to 100' })
  @Max(100, { message: 'WEBHOOK_DISPATCH_CONCURRENCY must be an integer from 1 to 100' })
  WEBHOOK_DISPATCH_CONCURRENCY = 10;

  @Transform(toInt)
  @IsInt({ message: 'WEBHOOK_TIMEOUT_MS must be an integer from 100 to 60000' })
  @Min(100, { message: 'WEBHOOK_TIMEOUT_MS must be an integer from 100 to 60000' })
  @Max(60000, { message: 'WEBHOOK_TIMEOUT_MS must be an integer from 100 to 60000' })
  WEBHOOK_TIMEOUT_MS = 10000;

  @Transform(toInt)
  @IsInt({ message: 'RATE_LIMIT_SESSIONS_CREATE_PER_MIN must be an integer >= 0 (0 turns the bucket off)' })
  @Min(0, { message: 'RATE_LIMIT_SESSIONS_CREATE_PER_MIN must be an integer >= 0 (0 turns the bucket off)' })
  RATE_LIMIT_SESSIONS_CREATE_PER_MIN = 120;

  @Transform(toInt)
  @IsInt({ message: 'RATE_LIMIT_WRITE_PER_MIN must be an integer >= 0 (0 turns the bucket off)' })
  @Min(0, { message: 'RATE_LIMIT_WRITE_PER_MIN must be an integer >= 0 (0 turns the bucket off)' })
  RATE_LIMIT_WRITE_PER_MIN = 300;

  @Transform(toInt)
  @IsInt({ message: 'RATE_LIMIT_READ_PER_MIN must be an integer >= 0 (0 turns the bucket off)' })
  @Min(0, { message: 'RATE_LIMIT_READ_PER_MIN must be an integer >= 0 (0 turns the bucket off)' })
  RATE_LIMIT_READ_PER_MIN = 600;

  @Transform(toInt)
  @IsInt({ message: 'RATE_LIMIT_PUBLIC_PER_MIN must be an integer >= 0 (0 turns the bucket off)' })
  @Min(0, { message: 'RATE_LIMIT_PUBLIC_PER_MIN must be an integer >= 0 (0 turns the bucket off)' })
  RATE_LIMIT_PUBLIC_PER_MIN = 120;

  /** Unset: 1200, or 10x RATE_LIMIT_PUBLIC_PER_MIN if larger; off when that one is 0. */
  @Transform(({ value }: { value: unknown }) => (value === '' ? undefined : toInt({ value })))
  @IsOptional()
  @IsInt({ message: 'RATE_LIMIT_PUBLIC_STATUS_PER_MIN must be an integer >= 0 (0 turns the bucket off)' })
  @Min(0, { message: 'RATE_LIMIT_PUBLIC_STATUS_PER_MIN must be an integer >= 0 (0 turns the bucket off)' })
  RATE_LIMIT_PUBLIC_STATUS_PER_MIN?: number;

  /** Fastify's `trustProxy`: `true`, a hop count, or comma-separated addresses/CIDRs (§1.10). */
  @Transform(emptyToUndefined)
  @IsOptional()
  // proxy-addr also knows the names loopback, linklocal and uniquelocal.
  @Matches(/^(true|false|\d{1,3}|(loopback|linklocal|uniquelocal|[0-9A-Fa-f.:/]+)(\s*,\s*(loopback|linklocal|uniquelocal|[0-9A-Fa-f.:/]+))*)$/, {
    message: 'TRUST_PROXY must be true, a hop count, or comma-separated proxy addresses/CIDRs (or loopback, linklocal, uniquelocal)',
  })
  TRUST_PROXY?: string;

  @Transform(toBool)
  @IsOptional()
  @IsBoolean({ message: 'WEBHOOK_ALLOW_PRIVATE_NETWORKS must be true or false' })
  WEBHOOK_ALLOW_PRIVATE_NETWORKS?: boolean;

  @Transform(({ value }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((h) => h.trim().toLowerCase().replace(/\.$/, ''))
          .filter(Boolean)
      : value,
  )
  @IsOptional()
  @ValidateBy({
    name: 'allowList',
    validator: {
      validate: (entries: unknown) => Array.isArray(entries) && entries.every((e) => typeof e === 'string' && isAllowListEntry(e)),
      defaultMessage: () => 'WEBHOOK_ALLOWED_HOSTS must be comma-separated host names, addresses or CIDRs',
    },
  })
  WEBHOOK_ALLOWED_HOSTS?: string[];

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'log', 'debug', 'verbose'], {
    message: 'LOG_LEVEL must be one of fatal, error, warn, log, debug, verbose',
  })
  LOG_LEVEL?: 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['json', 'pretty'], { message: 'LOG_FORMAT must be json or pretty' })
  LOG_FORMAT?: 'json' | 'pretty';
}

const SECRET_VARIABLES = new Set(['SERVER_SECRET', 'ADMIN_TOKEN', 'DATABASE_URL', 'FACE_MATCH_SECRET']);

/**
 * Validates the raw environment. Unknown variables are ignored; a bad value throws a
 * ConfigError naming the variable, so the boot stops with one line.
 */
export function validateEnv(raw: Record<string, string | undefined>): EnvironmentVariables {
  const known = Object.keys(new EnvironmentVariables());
  const picked: Record<string, string> = {};
  for (const key of [...known, 'DATABASE_URL', 'DB_DRIVER', 'SERVER_SECRET', 'ADMIN_TOKEN', 'PUBLIC_BASE_URL', 'VERIFY_BASE_URL', 'DOCS_BASE_URL', 'VERIFY_APP_NAME', 'VERIFY_APP_URL', 'CORS_ORIGINS', 'LOG_LEVEL', 'LOG_FORMAT', 'CSCA_TRUST_STORE_DIR', 'CRL_POLICY', 'FACE_MATCH_URL', 'FACE_MATCH_SECRET', 'FACE_MATCH_THRESHOLD', 'RATE_LIMIT_PUBLIC_STATUS_PER_MIN', 'TRUST_PROXY', 'WEBHOOK_ALLOW_PRIVATE_NETWORKS', 'WEBHOOK_ALLOWED_HOSTS']) {
    const value = raw[key];
    if (value !== undefined) picked[key] = value;
  }
  const env = plainToInstance(EnvironmentVariables, picked, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    const first = errors[0];
    const message = Object.values(first.constraints ?? {})[0] ?? `${first.property} is invalid`;
    const shown = SECRET_VARIABLES.has(first.property) ? 'a hidden value' : JSON.stringify(picked[first.property] ?? null);
    throw new ConfigError(`Invalid configuration: ${message} (got ${shown}).`);
  }
  return env;
}
