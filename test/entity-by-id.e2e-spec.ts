import { EntityByIdReader } from '../dist/src/common/entity-by-id.js';
import { DatabaseService } from '../dist/src/database/database.service.js';
import { Session } from '../dist/src/sessions/entities/session.entity.js';
import { bearer, createTestApp, type TestApp } from './helpers/app.js';
import { createSession } from './helpers/sessions.js';

/** The compiled by-id read must hydrate exactly what TypeORM's own find does, on either driver. */
describe('EntityByIdReader', () => {
  let t: TestApp;
  let db: DatabaseService;
  let reader: EntityByIdReader<Session>;

  beforeAll(async () => {
    t = await createTestApp();
    db = t.app.get(DatabaseService);
    reader = new EntityByIdReader(db.dataSource, Session);
  });
  afterAll(async () => t.close());

  const both = async (id: string) => {
    const manager = db.dataSource.manager;
    return { compiled: await reader.find(manager, id), typeorm: await manager.findOne(Session, { where: { id } }) };
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

  it('answers null for an id that is not there', async () => {
    expect(await reader.find(db.dataSource.manager, `vs_${'0'.repeat(64)}`)).toBeNull();
  });
});
