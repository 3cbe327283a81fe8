import { Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { loadSettings } from './config/app.config.js';
import { ConfigError } from './config/env.validation.js';
import { configureApp, createFastifyAdapter, NEST_APP_OPTIONS } from './configure-app.js';
import { acquireSqliteServerLock } from './database/sqlite-lock.js';
import { announceFirstRun } from './first-run.js';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

async function bootstrap(): Promise<void> {
  const settings = loadSettings(process.env);
  if (settings.database.driver === 'sqlite') acquireSqliteServerLock(settings.database.path);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, createFastifyAdapter(settings), {
    ...NEST_APP_OPTIONS,
    logger: LEVELS.slice(0, LEVELS.indexOf(settings.logLevel) + 1),
  });
  configureApp(app);
  await app.listen(settings.port, settings.host);
  new Logger('Passline').log(`Listening on ${settings.publicBaseUrl} (${settings.database.driver})`);
  await announceFirstRun(app, settings);
}

bootstrap().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : `Passline failed to start: ${(error as Error).message}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
