import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppConfig } from '../config/app.config.js';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';

/** Frames in the WAL after one more write: small once a checkpoint let the writer restart it. */
function walFramesAfterOneWrite(db: Database.Database): number {
  db.prepare('INSERT INTO t (x) VALUES (?)').run('one more');
  // A checkpoint with nothing to copy is cheap and reports the WAL's current size.
  const [result] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>;
  return result.log;
}

describe('SqliteCheckpointer', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'passline-ckpt-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function writeWith(checkpointer: boolean): Promise<number> {
    const path = join(dir, `${checkpointer ? 'with' : 'without'}.sqlite`);
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    // As if the main connection never checkpointed by itself.
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (x TEXT)');
    const worker = new SqliteCheckpointer({ database: { driver: 'sqlite', path, busyTimeoutMs: 5000 } } as unknown as AppConfig);
    if (checkpointer) worker.onApplicationBootstrap();
    const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
    for (let i = 0; i < 300; i++) insert.run('x'.repeat(200));
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    try {
      return walFramesAfterOneWrite(db);
    } finally {
      await worker.onApplicationShutdown();
      db.close();
    }
  }

  it('checkpoints the WAL from a worker thread, so the main connection never has to', async () => {
    expect(await writeWith(false)).toBeGreaterThan(300);
    expect(await writeWith(true)).toBeLessThan(10);
  });
});
