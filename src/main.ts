import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { createAccessLog, createRootLogger, PinoNestLogger } from './common/logging/logger.js';
import { loadSettings, loggingSettings } from './config/app.config.js';
import { ConfigError, validateEnv } from './config/env.validation.js';
import { configureApp, createFastifyAdapter, NEST_APP_OPTIONS } from './configure-app.js';
import { acquireSqliteServerLock } from './database/sqlite-lock.js';
import { announceStart } from './first-run.js';

async function bootstrap(): Promise<void> {
  const logging = loggingSettings(validateEnv(process.env));
  const logger = createRootLogger(logging);
  const nestLogger = new PinoNestLogger(logger);
  Logger.overrideLogger(nestLogger);
  const settings = loadSettings(process.env);
  if (settings.database.driver === 'sqlite') acquireSqliteServerLock(settings.database.path);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, createFastifyAdapter(settings), {
    ...NEST_APP_OPTIONS,
    logger: nestLogger,
  });
  configureApp(app, { accessLog: createAccessLog(logging, logger) });
  await app.listen(settings.port, settings.host);
  new Logger('Passline').log(`Listening on ${settings.publicBaseUrl} (${settings.database.driver})`);
  await announceStart(app, settings);
}

bootstrap().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : `Passline failed to start: ${(error as Error).message}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
