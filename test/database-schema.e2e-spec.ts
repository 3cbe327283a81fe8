import { DataSource } from 'typeorm';
import { loadSettings } from '../dist/src/config/app.config.js';
import { buildDataSourceOptions } from '../dist/src/database/data-source-options.js';
import { TEST_SERVER_SECRET } from './helpers/app.js';
import { createTestDatabase } from './helpers/database.js';

describe('entities match the migrations (no schema drift)', () => {
  it('generates no migration on a freshly migrated database', async () => {
    const db = await createTestDatabase();
    const settings = loadSettings({ SERVER_SECRET: TEST_SERVER_SECRET, DATABASE_URL: db.url });
    const dataSource = new DataSource(buildDataSourceOptions(settings));
    try {
      await dataSource.initialize();
      await dataSource.runMigrations();
      // What `typeorm migration:generate` would write.
      const sql = await dataSource.driver.createSchemaBuilder().log();
      expect(sql.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      if (dataSource.isInitialized) await dataSource.destroy();
      await db.drop();
    }
  });
});
