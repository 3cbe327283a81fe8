import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/** The lease that lets one live socket own an attempt across instances (§6.6). */
export class AttemptConnectionLease1764190000000 implements MigrationInterface {
  name = 'AttemptConnectionLease1764190000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('attempts', [
      new TableColumn({ name: 'connection_lease_owner', type: 'varchar', length: '64', isNullable: true }),
      new TableColumn({ name: 'connection_lease_expires_at', type: 'bigint', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('attempts', 'connection_lease_expires_at');
    await queryRunner.dropColumn('attempts', 'connection_lease_owner');
  }
}
