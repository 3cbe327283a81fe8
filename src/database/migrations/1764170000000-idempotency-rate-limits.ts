import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Idempotency keys (§1.9) and shared rate-limit windows (§1.10). */
export class IdempotencyRateLimits1764170000000 implements MigrationInterface {
  name = 'IdempotencyRateLimits1764170000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'idempotency_keys',
        columns: [
          { name: 'api_key_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'idempotency_key', type: 'varchar', length: '255', isPrimary: true },
          { name: 'fingerprint', type: 'varchar', length: '64' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'response_status', type: 'integer', isNullable: true },
          { name: 'response_body', type: 'text', isNullable: true },
          { name: 'locked_until', type: 'bigint' },
          { name: 'created_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
        ],
        indices: [new TableIndex({ name: 'IDX_idempotency_keys_expires_at', columnNames: ['expires_at'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'rate_limit_counters',
        columns: [
          { name: 'bucket_key', type: 'varchar', length: '128', isPrimary: true },
          { name: 'window_start', type: 'bigint', isPrimary: true },
          { name: 'count', type: 'integer' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('rate_limit_counters');
    await queryRunner.dropTable('idempotency_keys');
  }
}
