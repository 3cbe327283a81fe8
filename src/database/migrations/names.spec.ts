import { MIGRATIONS } from './index.js';
import { MIGRATION_NAMES } from './names.js';

describe('MIGRATION_NAMES', () => {
  it('lists the name of every migration TypeORM runs, in its order', () => {
    expect(MIGRATIONS.map((Migration) => new Migration().name)).toEqual(MIGRATION_NAMES);
  });
});
