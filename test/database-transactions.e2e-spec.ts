import type { EntityManager } from 'typeorm';
import { DatabaseService } from '../dist/src/database/database.service.js';
import { createTestApp, type TestApp } from './helpers/app.js';

const CALLS = 64;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const randomDelay = () => sleep(Math.floor(Math.random() * 6)); // 0..5 ms

/**
 * DatabaseService.transaction()/read() on the configured driver (SQLite by default,
 * PostgreSQL with TEST_DATABASE_URL). On SQLite TypeORM shares one connection, so without
 * the FIFO lock concurrent transactions would interleave on it: a rollback would take
 * other calls' rows with it, and reads would see uncommitted rows.
 */
describe('DatabaseService transactions under concurrency', () => {
  let t: TestApp;
  let db: DatabaseService;
  let insert: (m: EntityManager, id: string, n: number) => Promise<unknown>;

  beforeAll(async () => {
    t = await createTestApp();
    db = t.app.get(DatabaseService);
    await db.dataSource.query('CREATE TABLE tx_probe (id varchar(40) primary key, n integer)');
    const placeholders = db.driver === 'postgres' ? '$1, $2' : '?, ?';
    insert = (m, id, n) => m.query(`INSERT INTO tx_probe (id, n) VALUES (${placeholders})`, [id, n]);
  });
  afterAll(async () => t.close());

  beforeEach(async () => {
    await db.transaction((m) => m.query('DELETE FROM tx_probe'));
  });

  const allIds = async (): Promise<string[]> =>
    ((await db.read((m) => m.query('SELECT id FROM tx_probe'))) as Array<{ id: string }>).map((r) => r.id).sort();

  it(`commits every successful call and rolls back every failed one across ${CALLS} concurrent transactions`, async () => {
    const calls = Array.from({ length: CALLS }, (_, i) =>
      db.transaction(async (m) => {
        const id = `call-${i}`;
        await insert(m, id, i);
        await randomDelay();
        await insert(m, `${id}-b`, i);
        if (i % 10 === 0) throw new Error(`boom ${i}`);
        return i;
      }),
    );
    const settled = await Promise.allSettled(calls);

    const expected: string[] = [];
    settled.forEach((outcome, i) => {
      if (i % 10 === 0) {
        expect(outcome).toEqual({ status: 'rejected', reason: expect.objectContaining({ message: `boom ${i}` }) });
      } else {
        expect(outcome).toEqual({ status: 'fulfilled', value: i });
        expected.push(`call-${i}`, `call-${i}-b`);
      }
    });
    // Zero lost (every fulfilled call's two rows) and zero phantom (nothing of a failed call).
    expect(await allIds()).toEqual(expected.sort());
    expect(expected).toHaveLength(2 * (CALLS - Math.ceil(CALLS / 10)));
  });

  it('keeps a failed call from taking an overlapping successful call down with it', async () => {
    // One long failing transaction surrounded by short successful ones.
    const slowFailure = db.transaction(async (m) => {
      await insert(m, 'slow', 0);
      await sleep(30);
      throw new Error('slow boom');
    });
    const quick = Array.from({ length: 10 }, (_, i) =>
      db.transaction(async (m) => {
        await insert(m, `quick-${i}`, i);
        return i;
      }),
    );
    await expect(slowFailure).rejects.toThrow('slow boom');
    await expect(Promise.all(quick)).resolves.toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(await allIds()).toEqual(Array.from({ length: 10 }, (_, i) => `quick-${i}`).sort());
  });

  it('never lets a concurrent read() observe a row of a transaction that later rolls back', async () => {
    const doomed = new Set<string>();
    const observed = new Set<string>();
    let writing = true;
    let reads = 0;

    const readers = Array.from({ length: 4 }, async () => {
      while (writing) {
        const rows = (await db.read((m) => m.query('SELECT id FROM tx_probe'))) as Array<{ id: string }>;
        for (const row of rows) observed.add(row.id);
        reads++;
        await sleep(0);
      }
    });
    const writes = Array.from({ length: CALLS }, (_, i) => {
      const id = `rw-${i}`;
      if (i % 10 === 0) doomed.add(id).add(`${id}-b`);
      return db.transaction(async (m) => {
        await insert(m, id, i);
        await randomDelay();
        await insert(m, `${id}-b`, i);
        if (i % 10 === 0) throw new Error('boom');
      });
    });
    const settled = await Promise.allSettled(writes);
    writing = false;
    await Promise.allSettled(readers);
    await Promise.all(readers);

    expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(doomed.size / 2);
    expect(reads).toBeGreaterThan(4);
    // The readers did run while writes were going on...
    expect(observed.size).toBeGreaterThan(0);
    // ...yet never saw an uncommitted row that was then rolled back.
    expect([...observed].filter((id) => doomed.has(id))).toEqual([]);
    // A committed transaction is seen whole: never its first row without its second.
    const final = new Set(await allIds());
    for (const id of observed) expect(final.has(id)).toBe(true);
  });

  it('gives read() a consistent view: never half of a committed transaction', async () => {
    let writing = true;
    const halves: string[] = [];
    const reader = (async () => {
      while (writing) {
        const ids = new Set(
          ((await db.read((m) => m.query('SELECT id FROM tx_probe'))) as Array<{ id: string }>).map((r) => r.id),
        );
        for (const id of ids) {
          if (!id.endsWith('-b') && !ids.has(`${id}-b`)) halves.push(id);
        }
        await sleep(0);
      }
    })();
    const writes = await Promise.allSettled(
      Array.from({ length: 32 }, (_, i) =>
        db.transaction(async (m) => {
          await insert(m, `pair-${i}`, i);
          await randomDelay();
          await insert(m, `pair-${i}-b`, i);
        }),
      ),
    );
    writing = false;
    await reader;
    expect(writes.filter((w) => w.status === 'rejected')).toEqual([]);
    expect(halves).toEqual([]);
    expect(await allIds()).toHaveLength(64);
  });
});
