import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Sessions (§3), attempts (§4) and the events outbox (§5.9), driver-neutral. */
export class SessionsAttemptsEvents1764160000000 implements MigrationInterface {
  name = 'SessionsAttemptsEvents1764160000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'sessions',
        columns: [
          { name: 'id', type: 'varchar', length: '67', isPrimary: true },
          { name: 'organization_id', type: 'varchar', length: '36' },
          { name: 'livemode', type: 'boolean' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'failure_code', type: 'varchar', length: '64', isNullable: true },
          { name: 'contract_version', type: 'integer' },
          { name: 'share_fields', type: 'text' },
          { name: 'redirect_url', type: 'text', isNullable: true },
          { name: 'cancel_token_hash', type: 'varchar', length: '64' },
          { name: 'cancel_token_used_at', type: 'bigint', isNullable: true },
          { name: 'expires_at', type: 'bigint' },
          { name: 'completed_at', type: 'bigint', isNullable: true },
          { name: 'created_at', type: 'bigint' },
          { name: 'updated_at', type: 'bigint' },
        ],
        indices: [
          new TableIndex({ name: 'IDX_sessions_list', columnNames: ['organization_id', 'livemode', 'created_at', 'id'] }),
          new TableIndex({ name: 'IDX_sessions_status_expires', columnNames: ['status', 'expires_at'] }),
          new TableIndex({ name: 'IDX_sessions_expires_at', columnNames: ['expires_at'] }),
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_sessions_organization',
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
        name: 'attempts',
        columns: [
          { name: 'id', type: 'varchar', length: '67', isPrimary: true },
          { name: 'session_id', type: 'varchar', length: '67' },
          { name: 'organization_id', type: 'varchar', length: '36' },
          { name: 'livemode', type: 'boolean' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'failure_code', type: 'varchar', length: '64', isNullable: true },
          { name: 'risk_score', type: 'double precision' },
          { name: 'current_phase', type: 'varchar', length: '64', isNullable: true },
          { name: 'phase_updated_at', type: 'bigint', isNullable: true },
          { name: 'handoff_seed', type: 'varchar', length: '64', isNullable: true },
          { name: 'handoff_token_hash', type: 'varchar', length: '64', isNullable: true },
          { name: 'handoff_issued_at', type: 'bigint', isNullable: true },
          { name: 'handoff_expires_at', type: 'bigint', isNullable: true },
          { name: 'handoff_consumed_at', type: 'bigint', isNullable: true },
          { name: 'device_id_hash', type: 'varchar', length: '64', isNullable: true },
          { name: 'app_version', type: 'varchar', length: '64', isNullable: true },
          { name: 'completed_at', type: 'bigint', isNullable: true },
          { name: 'created_at', type: 'bigint' },
          { name: 'updated_at', type: 'bigint' },
        ],
        indices: [
          new TableIndex({ name: 'IDX_attempts_session', columnNames: ['session_id', 'created_at', 'id'] }),
          new TableIndex({ name: 'IDX_attempts_status', columnNames: ['status'] }),
          new TableIndex({ name: 'IDX_attempts_list', columnNames: ['organization_id', 'livemode', 'created_at', 'id'] }),
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_attempts_session',
            columnNames: ['session_id'],
            referencedTableName: 'sessions',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'events',
        columns: [
          { name: 'id', type: 'varchar', length: '68', isPrimary: true },
          { name: 'organization_id', type: 'varchar', length: '36' },
          { name: 'livemode', type: 'boolean' },
          { name: 'type', type: 'varchar', length: '64' },
          { name: 'trigger_type', type: 'varchar', length: '32' },
          { name: 'trigger_id', type: 'varchar', length: '67' },
          { name: 'session_id', type: 'varchar', length: '67' },
          { name: 'summary', type: 'text' },
          { name: 'created_at', type: 'bigint' },
        ],
        indices: [
          new TableIndex({ name: 'IDX_events_list', columnNames: ['organization_id', 'livemode', 'created_at', 'id'] }),
          new TableIndex({ name: 'IDX_events_session', columnNames: ['session_id'] }),
          // The database itself refuses a second terminal event for one session (§3.8).
          new TableIndex({
            name: 'UQ_events_session_terminal',
            columnNames: ['session_id'],
            isUnique: true,
            where: "trigger_type = 'verification_session'",
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('events');
    await queryRunner.dropTable('attempts');
    await queryRunner.dropTable('sessions');
  }
}
