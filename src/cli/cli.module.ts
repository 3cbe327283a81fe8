import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import { ApiKeysService } from '../auth/api-keys.service.js';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { ConfigError } from '../config/env.validation.js';
import { buildDataSourceOptions } from '../database/data-source-options.js';
import { DatabaseService } from '../database/database.service.js';
import { openDataSource } from '../database/migrate.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { CliAdminService } from './cli-admin.service.js';
import type { CliContext } from './command.js';
import { CliFailure } from './commands.js';

/** The server's data source options, adjusted for a one-shot command. */
export function cliDataSourceOptions(config: Pick<AppConfig, 'database'>): TypeOrmModuleOptions {
  return {
    ...buildDataSourceOptions(config),
    // §2.6: the CLI applies pending migrations first, whatever DB_MIGRATIONS_RUN says.
    migrationsRun: true,
    // The server's DatabaseModule keeps @nestjs/typeorm's default of 10 attempts 3 s apart,
    // so an unreachable database took ~28 s to report; an operator wants to know now.
    retryAttempts: 1,
  };
}

/**
 * The server's configuration and services without HTTP: no AuthModule (its global guard and
 * passport strategy serve requests) and no SQLite server lock, so the CLI also works while a
 * server runs on the same file.
 */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [appConfig] }),
    TypeOrmModule.forRootAsync({
      inject: [appConfig.KEY],
      useFactory: (config: AppConfig) => cliDataSourceOptions(config),
      dataSourceFactory: (options) => openDataSource(options!),
    }),
  ],
  providers: [DatabaseService, OrganizationsService, ApiKeysService, CliAdminService],
})
export class CliModule {}

/** Loads the configuration, opens the database and applies pending migrations. */
export async function openCliContext(): Promise<CliContext> {
  try {
    // logger: false keeps stdout for the one JSON line; abortOnError: false lets a failed
    // boot reach us as an error instead of aborting the process.
    const app = await NestFactory.createApplicationContext(CliModule, { logger: false, abortOnError: false });
    return { admin: app.get(CliAdminService), close: () => app.close() };
  } catch (error) {
    if (error instanceof ConfigError) throw new CliFailure('CONFIG_ERROR', error.message);
    throw new CliFailure('DATABASE_ERROR', `Could not open the database: ${(error as Error).message}`);
  }
}
