import type { LoggerService, LogLevel } from '@nestjs/common';
import { pino, type DestinationStream, type Level, type Logger as PinoLogger } from 'pino';
import { createRequire } from 'node:module';
import type { AppSettings } from '../../config/app.config.js';

/**
 * A line about one request: `logger.error(aboutRequest(request.id, 'It failed'))` writes
 * `{ reqId, msg }`. The id is passed by hand rather than found in an AsyncLocalStorage: on
 * Node 20 an active one installs promise hooks that tax every promise in the process (it
 * cost /health a third of its throughput), and the few lines written while serving a
 * request have the request at hand.
 */
export function aboutRequest(reqId: string, msg: string): { reqId: string; msg: string } {
  return { reqId, msg };
}

const PINO_LEVEL: Record<LogLevel, Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/**
 * Fields that can hold a credential or passport data, wherever a caller put them. Our own
 * code logs none of these; this is the net under a future mistake.
 */
export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  ...['key', 'token', 'secret', 'password', 'mobile_write_token', 'cancel_token', 'signing_secret', 'admin_token', 'api_key'].flatMap(
    (field) => [field, `*.${field}`],
  ),
  ...['raw', 'dg1', 'dg2', 'sod', 'mrz', 'selfie', 'selfies', 'portrait', 'claims'].flatMap((field) => [field, `*.${field}`]),
];

/**
 * Nest's start-up chatter (one line per module and per route) is for debugging, not for an
 * operator reading a start: these contexts log at debug level.
 */
const DEBUG_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'WebSocketsController', 'NestFactory', 'NestApplication']);

let lastMs = -1;
let lastTime = '';

/**
 * pino's ISO timestamp, formatted once per millisecond: under load a dozen access lines share
 * one, and `toISOString()` was the costliest step of writing them.
 */
export function isoTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

/** Level, timestamp and level label: what every line of every logger here shares. */
function lineOptions(settings: Pick<AppSettings, 'logLevel'>) {
  return {
    level: PINO_LEVEL[settings.logLevel],
    base: undefined,
    timestamp: isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
}

/**
 * The process's logger: one JSON object per line (`LOG_FORMAT=json`, the production default)
 * or coloured text for a person at a terminal (`pretty`).
 */
export function createRootLogger(
  settings: Pick<AppSettings, 'logLevel' | 'logFormat'>,
  destination: DestinationStream = process.stdout,
): PinoLogger {
  const options = { ...lineOptions(settings), redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  if (settings.logFormat === 'json') return pino(options, destination);
  // Required only for a person at a terminal: production logs JSON and saves its memory.
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  const stream = pretty({
    destination,
    sync: true,
    colorize: destination === process.stdout && process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'context,reqId',
    messageFormat: (log: Record<string, unknown>, messageKey: string) =>
      `${log.context ? `[${String(log.context)}] ` : ''}${String(log[messageKey] ?? '')}${log.reqId ? ` (${String(log.reqId)})` : ''}`,
  });
  return pino(options, stream);
}

/** The access log: its logger, and a synchronous flush for the end of a shutdown. */
export interface AccessLog {
  logger: PinoLogger;
  flushSync(): void;
}

/**
 * The access log writes its one line per request through a stream of its own. Written
 * synchronously, that line was the costliest thing a cheap request did: GET /health took
 * 112 µs of CPU at LOG_LEVEL=log against 73 µs at error. Here the write is asynchronous, and
 * lines that come while one is in flight leave together in the next: under load one write
 * carries dozens of lines, at rest each leaves at once. Every other line stays synchronous, so
 * start-up, shutdown and error lines keep their order. Pretty output (a person at a terminal)
 * shares the root logger's stream.
 */
export function createAccessLog(settings: Pick<AppSettings, 'logLevel' | 'logFormat'>, root: PinoLogger): AccessLog {
  if (settings.logFormat !== 'json') return { logger: root, flushSync: () => undefined };
  const stream = pino.destination({ dest: 1, sync: false, minLength: 0 });
  return {
    // No redaction: its lines carry five fields this module fills, none of them a secret, and
    // walking REDACTED_PATHS on each line cost more than writing it.
    logger: pino(lineOptions(settings), stream),
    flushSync: () => {
      try {
        stream.flushSync();
      } catch {
        // It throws before the stream has opened (nothing to write) or once it is destroyed
        // (a broken pipe: nowhere to write).
      }
    },
  };
}

/** Nest's LoggerService on top of pino: `new Logger(Context).log(...)` becomes one log line. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly root: PinoLogger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    // Nest passes (message, stack?, context?); a lone second argument is a stack only if it looks like one.
    const context = params.length > 0 && typeof params.at(-1) === 'string' && !isStack(params.at(-1)) ? (params.pop() as string) : undefined;
    const stack = typeof params[0] === 'string' && isStack(params[0]) ? params[0] : undefined;
    this.write('error', message, context ? [context] : [], stack);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[], stack?: string): void {
    const context = typeof params.at(-1) === 'string' ? (params.at(-1) as string) : undefined;
    const effective = level === 'info' && context && DEBUG_CONTEXTS.has(context) ? 'debug' : level;
    if (!this.root.isLevelEnabled(effective)) return;
    const fields: Record<string, unknown> = context ? { context } : {};
    if (stack) fields.stack = stack;
    if (message instanceof Error) {
      this.root[effective]({ ...fields, err: message }, message.message);
    } else if (message !== null && typeof message === 'object') {
      this.root[effective]({ ...fields, ...(message as Record<string, unknown>) });
    } else {
      this.root[effective](fields, String(message));
    }
  }
}

function isStack(value: unknown): boolean {
  return typeof value === 'string' && /\n\s+at /.test(value);
}
