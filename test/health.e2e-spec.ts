import { createTestApp, type TestApp } from './helpers/app.js';

describe('GET /health', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t.close());

  it('answers 200 healthy with the database up, without authentication', async () => {
    const res = await t.http().get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { status: 'healthy', database: 'up', version: '1.0.0' }, error: null });
    expect(res.headers['x-request-id']).toMatch(/^req_[a-z0-9]{24}$/);
  });
});
