import pg from 'pg';
import type { Row, SqlConnection } from './sql-connection.js';
import { numbered } from '../../database/sql-placeholders.js';

/** One client (not a pool): a command runs a few statements, one after the other. */
export async function openPostgresConnection(url: string): Promise<SqlConnection> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  const query = async (sql: string, parameters: readonly unknown[] = []): Promise<Row[]> => {
    const result = await client.query(numbered(sql), [...parameters]);
    return result.rows as Row[];
  };
  return {
    dialect: 'postgres',
    query,
    transaction: async (work) => {
      await query('BEGIN');
      try {
        const result = await work();
        await query('COMMIT');
        return result;
      } catch (error) {
        await query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    },
    close: () => client.end(),
  };
}
