import { ConfigError } from '../config/env.validation.js';
import { readSettings } from '../config/settings.js';
import { openAdminDatabase } from './admin-sql/open-admin-database.js';
import { SqlAdmin } from './admin-sql/sql-admin.js';
import type { CliContext } from './command.js';
import { CliFailure } from './commands.js';

/**
 * Reads the server's settings, opens the database and applies pending migrations, without Nest:
 * a command boots in a fraction of a second. Nothing is logged (stdout carries the one JSON
 * line), not even the note about a generated development SERVER_SECRET.
 */
export async function openAdminContext(env: Record<string, string | undefined> = process.env): Promise<CliContext> {
  try {
    const settings = readSettings(env, () => undefined);
    const connection = await openAdminDatabase(settings.database);
    return { admin: new SqlAdmin(connection, settings.serverSecret), close: () => connection.close() };
  } catch (error) {
    if (error instanceof ConfigError) throw new CliFailure('CONFIG_ERROR', error.message);
    throw new CliFailure('DATABASE_ERROR', `Could not open the database: ${(error as Error).message}`);
  }
}
