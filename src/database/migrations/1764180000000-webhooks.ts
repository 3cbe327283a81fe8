import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Webhook endpoints, encryption keys, deliveries and delivery attempts (§5). */
export class Webhooks1764180000000 implements MigrationInterface {
  name = 'Webhooks1764180000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'webhook_endpoints',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'organization_id', type: 'varchar', length: '36' },
          { name: 'livemode', type: 'boolean' },
          { name: 'name', type: 'varchar', length: '120', isNullable: true },
          { name: 'url', type: 'text' },
          { name: 'enabled', type: 'boolean' },
          { name: 'subscribed_event_types', type: 'text' },
          { name: 'signing_secret', type: 'text' },
          { name: 'previous_signing_secret', type: 'text', isNullable: true },
          { name: 'previous_secret_expires_at', type: 'bigint', isNullable: true },
          { name: 'created_at', type: 'bigint' },
          { name: 'updated_at', type: 'bigint' },
          { name: 'disabled_at', type: 'bigint', isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'IDX_webhook_endpoints_list', columnNames: ['organization_id', 'livemode', 'created_at', 'id'] }),
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_webhook_endpoints_organization',
            columnNames: ['organization_id'],
            referencedTableName: 'organizations',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webhook_encryption_keys',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'endpoint_id', type: 'varchar', length: '36' },
          { name: 'livemode', type: 'boolean' },
          { name: 'key_id', type: 'varchar', length: '128' },
          { name: 'algorithm', type: 'varchar', length: '32' },
          { name: 'key_type', type: 'varchar', length: '16' },
          { name: 'jwk', type: 'text' },
          { name: 'is_active', type: 'boolean' },
          { name: 'created_at', type: 'bigint' },
          { name: 'updated_at', type: 'bigint' },
          { name: 'disabled_at', type: 'bigint', isNullable: true },
        ],
        indices: [new TableIndex({ name: 'IDX_webhook_keys_endpoint', columnNames: ['endpoint_id', 'created_at', 'id'] })],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_webhook_keys_endpoint',
            columnNames: ['endpoint_id'],
            referencedTableName: 'webhook_endpoints',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webhook_deliveries',
        columns: [
          { name: 'id', type: 'varchar', length: '68', isPrimary: true },
          { name: 'event_id', type: 'varchar', length: '68' },
          { name: 'endpoint_id', type: 'varchar', length: '36' },
          { name: 'organization_id', type: 'varchar', length: '36' },
          { name: 'livemode', type: 'boolean' },
          { name: 'encryption_key_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'event_type', type: 'varchar', length: '64' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'attempt_count', type: 'integer' },
          { name: 'next_attempt_at', type: 'bigint', isNullable: true },
          { name: 'last_status_code', type: 'integer', isNullable: true },
          { name: 'last_attempt_at', type: 'bigint', isNullable: true },
          { name: 'last_error', type: 'varchar', length: '64', isNullable: true },
          { name: 'payload', type: 'text', isNullable: true },
          { name: 'lease_owner', type: 'varchar', length: '64', isNullable: true },
          { name: 'lease_expires_at', type: 'bigint', isNullable: true },
          { name: 'created_at', type: 'bigint' },
          { name: 'updated_at', type: 'bigint' },
        ],
        indices: [
          new TableIndex({ name: 'IDX_webhook_deliveries_due', columnNames: ['status', 'next_attempt_at'] }),
          new TableIndex({ name: 'IDX_webhook_deliveries_list', columnNames: ['organization_id', 'livemode', 'created_at', 'id'] }),
          new TableIndex({ name: 'IDX_webhook_deliveries_event', columnNames: ['event_id'] }),
          new TableIndex({ name: 'IDX_webhook_deliveries_endpoint', columnNames: ['endpoint_id'] }),
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_webhook_deliveries_endpoint',
            columnNames: ['endpoint_id'],
            referencedTableName: 'webhook_endpoints',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
          new TableForeignKey({
            name: 'FK_webhook_deliveries_event',
            columnNames: ['event_id'],
            referencedTableName: 'events',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webhook_delivery_attempts',
        columns: [
          { name: 'id', type: 'varchar', length: '68', isPrimary: true },
          { name: 'delivery_id', type: 'varchar', length: '68' },
          { name: 'attempt_number', type: 'integer' },
          { name: 'status_code', type: 'integer', isNullable: true },
          { name: 'error', type: 'varchar', length: '64', isNullable: true },
          { name: 'duration_ms', type: 'integer' },
          { name: 'created_at', type: 'bigint' },
        ],
        indices: [
          new TableIndex({ name: 'IDX_webhook_delivery_attempts_delivery', columnNames: ['delivery_id', 'attempt_number'] }),
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_webhook_delivery_attempts_delivery',
            columnNames: ['delivery_id'],
            referencedTableName: 'webhook_deliveries',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('webhook_delivery_attempts');
    await queryRunner.dropTable('webhook_deliveries');
    await queryRunner.dropTable('webhook_encryption_keys');
    await queryRunner.dropTable('webhook_endpoints');
  }
}
