import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { buildDataSourceOptions } from './data-source-options.js';
import { DatabaseService } from './database.service.js';
import { openDataSource } from './migrate.js';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [appConfig.KEY],
      // Fail fast with a clear error instead of @nestjs/typeorm's default 10 × 3 s retries.
      useFactory: (config: AppConfig) => ({ ...buildDataSourceOptions(config), retryAttempts: 2, retryDelay: 1000 }),
      // Migrations run under an advisory lock on PostgreSQL (§9.5).
      dataSourceFactory: (options) => openDataSource(options!),
    }),
  ],
  providers: [DatabaseService, SqliteCheckpointer],
  exports: [DatabaseService],
})
export class DatabaseModule {}
