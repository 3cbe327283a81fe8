import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { NetworkPolicy } from './network-policy.js';
import { ConfigError, validateEnv, type EnvironmentVariables } from './env.validation.js';

export type DatabaseConfig =
  | {
      driver: 'sqlite';
      /** Absolute path of the SQLite file. */
      path: string;
      synchronous: 'NORMAL' | 'FULL';
      busyTimeoutMs: number;
      migrationsRun: boolean;
    }
  | { driver: 'postgres'; url: string; migrationsRun: boolean };

export interface AppSettings {
  nodeEnv: EnvironmentVariables['NODE_ENV'];
  isProduction: boolean;
  port: number;
  host: string;
  database: DatabaseConfig;
  /** Folder for local state (the SQLite file, a generated development secret). */
  dataDir: string;
  serverSecret: string;
  adminToken: string | null;
  publicBaseUrl: string;
  verifyBaseUrl: string;
  docsBaseUrl: string;
  /** The phone app the hosted page sends people to (its name and where to get it). */
  verifyApp: { name: string; url: string };
  corsOrigins: string[];
  expirySweepIntervalS: number;
  /** Folder of trusted CSCA certificates, master lists and CRLs (§6.7), reloaded on change; null: every chip check fails. */
  cscaTrustStoreDir: string | null;
  /** What a CRL past its nextUpdate does (§6.7): `soft` accepts with a warning, `strict` fails. */
  crlPolicy: 'soft' | 'strict';
  /** url: `builtin` (default), `none`, `dev:accept-any-face` or an http(s) URL (§6.8, §6.8a). */
  faceMatch: { url: string; secret: string | null; threshold: number | null; timeoutMs: number; concurrency: number };
  webhooks: {
    dispatchIntervalMs: number;
    concurrency: number;
    timeoutMs: number;
    /** The §5.3 network policy for endpoint URLs. */
    network: NetworkPolicy;
  };
  /** Requests per minute and API key (public: per client IP); 0 turns a bucket off (§1.10). */
  rateLimits: { sessionsCreate: number; write: number; read: number; public: number; publicStatus: number };
  /** Fastify's `trustProxy` (§1.10): false reads the peer address only. */
  trustProxy: boolean | number | string;
  logLevel: NonNullable<EnvironmentVariables['LOG_LEVEL']>;
  /** One JSON object per line (production default) or coloured text for people (elsewhere). */
  logFormat: NonNullable<EnvironmentVariables['LOG_FORMAT']>;
}

const DEFAULT_SQLITE_FILE = './data/passline.sqlite';

function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function resolveDatabase(env: EnvironmentVariables): DatabaseConfig {
  const url = env.DATABASE_URL ?? DEFAULT_SQLITE_FILE;
  const looksPostgres = /^postgres(ql)?:\/\//i.test(url);
  const driver = env.DB_DRIVER ?? (looksPostgres ? 'postgres' : 'sqlite');
  if (driver === 'postgres') {
    if (!looksPostgres) {
      throw new ConfigError('Invalid configuration: DB_DRIVER=postgres needs DATABASE_URL=postgres://user:password@host:5432/database.');
    }
    return { driver, url, migrationsRun: env.DB_MIGRATIONS_RUN };
  }
  if (looksPostgres) {
    throw new ConfigError('Invalid configuration: DB_DRIVER=sqlite cannot use a postgres:// DATABASE_URL.');
  }
  const path = resolve(url.replace(/^(sqlite|file):(\/\/)?/i, ''));
  return {
    driver,
    path,
    synchronous: env.SQLITE_SYNCHRONOUS,
    busyTimeoutMs: env.SQLITE_BUSY_TIMEOUT_MS,
    migrationsRun: env.DB_MIGRATIONS_RUN,
  };
}

/** Where a warning about the settings goes (the server's logger; nowhere for the CLI). */
export type SettingsWarning = (message: string) => void;

/**
 * SERVER_SECRET is mandatory in production. Elsewhere a missing one is generated on first
 * boot and kept (mode 0600) in the data folder, so keys and tokens survive restarts.
 */
function resolveServerSecret(env: EnvironmentVariables, dataDir: string, warn: SettingsWarning): string {
  if (env.SERVER_SECRET) return env.SERVER_SECRET;
  if (env.NODE_ENV === 'production') {
    throw new ConfigError('Invalid configuration: SERVER_SECRET is required in production (at least 32 characters).');
  }
  const file = join(dataDir, 'server-secret');
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= 32) return stored;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  warn(
    `SERVER_SECRET is not set: generated one for development in ${file}. Set SERVER_SECRET (>= 32 characters) in production.`,
  );
  return secret;
}

/** TRUST_PROXY as Fastify's `trustProxy` option (§1.10). */
export function parseTrustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value
    .split(',')
    .map((a) => a.trim())
    .join(',');
}

/**
 * Builds the typed settings from a raw environment; throws ConfigError on a bad value. No Nest
 * here, so the CLI reads the same settings without loading it (app.config.ts adds the logger).
 */
export function readSettings(raw: Record<string, string | undefined>, warn: SettingsWarning): AppSettings {
  const env = validateEnv(raw);
  const database = resolveDatabase(env);
  const dataDir = database.driver === 'sqlite' ? dirname(database.path) : resolve('./data');
  const publicBaseUrl = stripTrailingSlash(env.PUBLIC_BASE_URL ?? `http://localhost:${env.PORT}`);
  return {
    nodeEnv: env.NODE_ENV,
    isProduction: env.NODE_ENV === 'production',
    port: env.PORT,
    host: env.HOST,
    database,
    dataDir,
    serverSecret: resolveServerSecret(env, dataDir, warn),
    adminToken: env.ADMIN_TOKEN ?? null,
    publicBaseUrl,
    verifyBaseUrl: stripTrailingSlash(env.VERIFY_BASE_URL ?? `${publicBaseUrl}/verify`),
    docsBaseUrl: stripTrailingSlash(env.DOCS_BASE_URL ?? 'https://kayle.id/docs/api'),
    verifyApp: { name: env.VERIFY_APP_NAME?.trim() ?? 'Kayle ID', url: env.VERIFY_APP_URL ?? 'https://kayle.id' },
    corsOrigins: (env.CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    expirySweepIntervalS: env.EXPIRY_SWEEP_INTERVAL_S,
    cscaTrustStoreDir: env.CSCA_TRUST_STORE_DIR ? resolve(env.CSCA_TRUST_STORE_DIR) : null,
    crlPolicy: env.CRL_POLICY ?? 'soft',
    faceMatch: {
      url: env.FACE_MATCH_URL ?? 'builtin',
      secret: env.FACE_MATCH_SECRET ?? null,
      threshold: env.FACE_MATCH_THRESHOLD ?? null,
      timeoutMs: env.FACE_MATCH_TIMEOUT_MS,
      concurrency: env.FACE_MATCH_CONCURRENCY,
    },
    webhooks: {
      dispatchIntervalMs: env.WEBHOOK_DISPATCH_INTERVAL_MS,
      concurrency: env.WEBHOOK_DISPATCH_CONCURRENCY,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      network: {
        allowPrivateNetworks: env.WEBHOOK_ALLOW_PRIVATE_NETWORKS ?? env.NODE_ENV !== 'production',
        allowedHosts: env.WEBHOOK_ALLOWED_HOSTS ?? [],
      },
    },
    rateLimits: {
      sessionsCreate: env.RATE_LIMIT_SESSIONS_CREATE_PER_MIN,
      write: env.RATE_LIMIT_WRITE_PER_MIN,
      read: env.RATE_LIMIT_READ_PER_MIN,
      public: env.RATE_LIMIT_PUBLIC_PER_MIN,
      // 20 hosted pages behind one address poll 600 times a minute (§1.10, §8).
      publicStatus: env.RATE_LIMIT_PUBLIC_STATUS_PER_MIN ?? (env.RATE_LIMIT_PUBLIC_PER_MIN === 0 ? 0 : Math.max(1200, 10 * env.RATE_LIMIT_PUBLIC_PER_MIN)),
    },
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    ...loggingSettings(env),
  };
}

/** The logging part of the settings, which main.ts needs before anything else logs. */
export function loggingSettings(env: EnvironmentVariables): Pick<AppSettings, 'logLevel' | 'logFormat'> {
  return {
    logLevel: env.LOG_LEVEL ?? (env.NODE_ENV === 'test' ? 'warn' : 'log'),
    logFormat: env.LOG_FORMAT ?? (env.NODE_ENV === 'production' ? 'json' : 'pretty'),
  };
}
