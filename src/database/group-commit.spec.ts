import Database from 'better-sqlite3';
import { SqliteGroupCommit } from './group-commit.js';
import { FifoRwLock } from './rw-lock.js';

const INSERT = 'INSERT INTO items (id, flag) VALUES (?, ?)';

function setUp() {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE items (id TEXT PRIMARY KEY, flag INTEGER NOT NULL)');
  const lock = new FifoRwLock();
  const group = new SqliteGroupCommit(lock, () => db);
  const count = () => (db.prepare('SELECT COUNT(*) AS n FROM items').get() as { n: number }).n;
  return { db, lock, group, count };
}

describe('SqliteGroupCommit', () => {
  it('commits writes issued together and settles each once its row is stored', async () => {
    const { group, count } = setUp();
    await Promise.all(Array.from({ length: 20 }, (_, i) => group.run(INSERT, [`id_${i}`, i % 2 === 0])));
    expect(count()).toBe(20);
  });

  it('fails only the write that failed; the others of its group commit', async () => {
    const { group, db, count } = setUp();
    await group.run(INSERT, ['taken', true]);
    const results = await Promise.allSettled([group.run(INSERT, ['a', true]), group.run(INSERT, ['taken', false]), group.run(INSERT, ['b', false])]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE constraint failed/);
    expect(count()).toBe(3);
    expect(db.prepare('SELECT flag FROM items WHERE id = ?').get('taken')).toEqual({ flag: 1 });
    expect(db.inTransaction).toBe(false);
  });

  it('waits for the lock: a group never lands inside another unit of work', async () => {
    const { group, lock, count } = setUp();
    let release!: () => void;
    const held = lock.exclusive(() => new Promise<void>((r) => (release = r)));
    const write = group.run(INSERT, ['later', true]);
    await new Promise((r) => setTimeout(r, 20));
    expect(count()).toBe(0);
    release();
    await Promise.all([held, write]);
    expect(count()).toBe(1);
  });

  it('rejects every write of a group whose transaction cannot run', async () => {
    const { group, db } = setUp();
    db.close();
    const results = await Promise.allSettled([group.run(INSERT, ['x', true]), group.run(INSERT, ['y', true])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
