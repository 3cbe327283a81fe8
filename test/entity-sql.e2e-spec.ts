import { EntityReader } from '../dist/src/common/entity-reader.js';
import { EntityInsertWriter } from '../dist/src/common/entity-insert.js';
import { EntityUpdate } from '../dist/src/common/entity-update.js';
import { DatabaseService } from '../dist/src/database/database.service.js';
import { Session } from '../dist/src/sessions/entities/session.entity.js';
import { bearer, createTestApp, type TestApp } from './helpers/app.js';
import { createSession } from './helpers/sessions.js';

// One app for the file: each block compares the compiled SQL with TypeORM on the same database.
let t: TestApp;
let db: DatabaseService;
beforeAll(async () => {
  t = await createTestApp();
  db = t.app.get(DatabaseService);
});
afterAll(async () => t.close());

/** The stored columns of a session row, its id (and `omit`) left out. */
async function storedSession(id: string, omit: string[] = []): Promise<Record<string, unknown>> {
  const placeholder = db.driver === 'postgres' ? '$1' : '?';
  const [row] = (await db.dataSource.query(`SELECT * FROM sessions WHERE id = ${placeholder}`, [id])) as Array<Record<string, unknown>>;
  return Object.fromEntries(Object.entries(row).filter(([column]) => column !== 'id' && !omit.includes(column)));
}

/** The compiled by-id read must hydrate exactly what TypeORM's own find does, on either driver. */
describe('EntityReader', () => {
  let reader: EntityReader<Session>;
  beforeAll(() => {
    reader = new EntityReader(db.dataSource, Session);
  });

  const both = async (id: string) => {
    const manager = db.dataSource.manager;
    return { compiled: await reader.findById(manager, id), typeorm: await manager.findOne(Session, { where: { id } }) };
  };

  it('reads an open session like findOne: an entity instance, booleans, dates and JSON hydrated', async () => {
    const { test } = await t.tenant();
    const created = await createSession(t, test, {
      share_fields: { age_over_18: { required: true, reason: 'Confirm you are an adult.' } },
      redirect_url: 'https://shop.example/return',
    });
    const { compiled, typeorm } = await both(created.id);
    expect(compiled).toBeInstanceOf(Session);
    expect(compiled).toEqual(typeorm);
    expect(compiled?.livemode).toBe(false);
    expect(compiled?.createdAt).toBeInstanceOf(Date);
    expect(compiled?.completedAt).toBeNull();
    expect(compiled?.shareFields).toEqual(typeorm?.shareFields);
  });

  it('reads a finished session like findOne', async () => {
    const { test } = await t.tenant();
    const created = await createSession(t, test);
    const res = await t.http().post(`/v1/test_helpers/sessions/${created.id}/expire`).set(bearer(test)).send();
    expect(res.status).toBeLessThan(300);
    const { compiled, typeorm } = await both(created.id);
    expect(typeorm?.status).toBe('expired');
    expect(compiled).toEqual(typeorm);
  });

  it('selects entities by a written WHERE, booleans and numbers through the driver, like find', async () => {
    const { orgId, test } = await t.tenant();
    const ids = [(await createSession(t, test)).id, (await createSession(t, test)).id];
    const manager = db.dataSource.manager;
    const selected = await reader.select(
      manager,
      'WHERE organization_id = ? AND livemode = ? AND expires_at > ? ORDER BY created_at DESC, id DESC LIMIT ?',
      [orgId, reader.value('livemode', false), 0, 10],
    );
    const found = await manager.find(Session, { where: { organizationId: orgId, livemode: false }, order: { createdAt: 'DESC', id: 'DESC' } });
    expect(selected.map((s) => s.id).sort()).toEqual([...ids].sort());
    expect(selected).toEqual(found);
    expect(await reader.select(manager, 'WHERE organization_id = ? AND livemode = ?', [orgId, reader.value('livemode', true)])).toEqual([]);
  });

  it('answers null for an id that is not there', async () => {
    expect(await reader.findById(db.dataSource.manager, `vs_${'0'.repeat(64)}`)).toBeNull();
  });

  it('with omit, reads every other column as find does and leaves the omitted ones out of the SQL and the entity', async () => {
    const { orgId, test } = await t.tenant();
    const { id } = await createSession(t, test, { redirect_url: 'https://shop.example/return' });
    const manager = db.dataSource.manager;
    const omitted = ['organizationId', 'cancelTokenHash'] as const;
    const projection = new EntityReader(db.dataSource, Session, omitted);
    const full = await manager.findOne(Session, { where: { id } });
    const [selected] = await projection.select(manager, 'WHERE organization_id = ? AND id = ?', [orgId, id]);
    const byId = await projection.findById(manager, id);
    for (const read of [selected, byId]) {
      expect(read).toBeInstanceOf(Session);
      expect(read).not.toHaveProperty('organizationId', orgId);
      expect(read).not.toHaveProperty('cancelTokenHash', full?.cancelTokenHash);
      const { organizationId: _org, cancelTokenHash: _hash, ...shown } = full!;
      expect(read).toMatchObject(shown);
    }
  });
});

describe('EntityInsertWriter', () => {
  const sessionRow = (id: string, organizationId: string, overrides: Partial<Session> = {}): Session =>
    Object.assign(new Session(), {
      id,
      organizationId,
      livemode: true,
      status: 'created',
      failureCode: null,
      contractVersion: 1,
      shareFields: { age_over_18: { required: true, reason: 'Confirm you are an adult.', source: 'rc' } },
      redirectUrl: 'https://shop.example/return',
      cancelTokenHash: 'a'.repeat(64),
      cancelTokenUsedAt: null,
      expiresAt: new Date(Date.UTC(2030, 0, 1, 12, 0, 0, 123)),
      completedAt: null,
      createdAt: new Date(Date.UTC(2026, 11, 7, 3, 30, 0, 456)),
      updatedAt: new Date(Date.UTC(2026, 11, 7, 3, 30, 0, 456)),
      ...overrides,
    } as Session);

  const stored = (id: string) => storedSession(id);

  it.each([
    ['an open live session', {}],
    ['a finished test session', { livemode: false, status: 'failed', failureCode: 'document_expired', redirectUrl: null, completedAt: new Date(Date.UTC(2026, 11, 7, 4, 0, 0, 1)), cancelTokenUsedAt: new Date(Date.UTC(2026, 11, 7, 3, 59, 0, 2)) }],
  ] as Array<[string, Partial<Session>]>)('stores %s exactly as TypeORM insert does', async (_name, overrides) => {
    const { orgId } = await t.tenant();
    const writer = new EntityInsertWriter(db.dataSource, Session);
    const viaWriter = `vs_${'1'.repeat(63)}${overrides.livemode === false ? 'b' : 'a'}`;
    const viaTypeorm = `vs_${'2'.repeat(63)}${overrides.livemode === false ? 'b' : 'a'}`;
    await writer.insert(db.dataSource.manager, sessionRow(viaWriter, orgId, overrides));
    await db.dataSource.manager.insert(Session, sessionRow(viaTypeorm, orgId, overrides));
    expect(await stored(viaWriter)).toEqual(await stored(viaTypeorm));
    const read = await db.dataSource.manager.findOneByOrFail(Session, { id: viaWriter });
    expect(read).toEqual(sessionRow(viaWriter, orgId, overrides));
  });
});

/** The compiled conditional update must store what TypeORM's update stores, and count rows the same. */
describe('EntityUpdate', () => {
  // Two sessions created a moment apart: compare what the updates wrote, not what differs by birth.
  const stored = (id: string) => storedSession(id, ['cancel_token_hash', 'created_at', 'expires_at']);

  it('ends an open session like a TypeORM update (dates, nulls, strings), and changes nothing when its condition fails', async () => {
    const { test } = await t.tenant();
    const [a, b] = [(await createSession(t, test)).id, (await createSession(t, test)).id];
    const manager = db.dataSource.manager;
    const end = new EntityUpdate(db.dataSource, Session, ['status', 'failureCode', 'completedAt', 'updatedAt'], "id = ? AND status IN (?, ?)");
    const at = new Date(Date.UTC(2026, 11, 7, 6, 0, 0, 789));
    const values = { status: 'cancelled' as const, failureCode: 'session_cancelled', completedAt: at, updatedAt: at };
    expect(await end.run(manager, values, [a, 'created', 'in_progress'])).toBe(1);
    await manager
      .createQueryBuilder()
      .update(Session)
      .set(values)
      .where('id = :id', { id: b })
      .andWhere('status IN (:...open)', { open: ['created', 'in_progress'] })
      .execute();
    expect(await stored(a)).toEqual(await stored(b));
    const read = await manager.findOneByOrFail(Session, { id: a });
    expect(read).toMatchObject({ status: 'cancelled', failureCode: 'session_cancelled', completedAt: at, updatedAt: at });
    // The session is no longer open: the same update changes no row, and says so.
    expect(await end.run(manager, { ...values, status: 'expired' }, [a, 'created', 'in_progress'])).toBe(0);
    expect((await manager.findOneByOrFail(Session, { id: a })).status).toBe('cancelled');
  });

  it('stores a where parameter through the column (a date as epoch milliseconds) and counts several rows', async () => {
    const { orgId, test } = await t.tenant();
    const ids = [(await createSession(t, test)).id, (await createSession(t, test)).id];
    const manager = db.dataSource.manager;
    const touch = new EntityUpdate(db.dataSource, Session, ['redirectUrl'], 'organization_id = ? AND expires_at > ?');
    const changed = await touch.run(manager, { redirectUrl: 'https://shop.example/again' }, [orgId, touch.value('expiresAt', new Date())]);
    expect(changed).toBe(2);
    for (const id of ids) expect((await manager.findOneByOrFail(Session, { id })).redirectUrl).toBe('https://shop.example/again');
  });
});
