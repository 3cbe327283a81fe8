import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { HostResolver, type ResolvedAddress } from '../dist/src/webhooks/host-resolver.js';
import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';
import { createSession } from './helpers/lifecycle.js';
import { dispatch, eventOf, waitForDelivery } from './helpers/receiver.js';
import { createKey, expectBadRequest, expectOk, keyBody, type Json } from './webhooks-api-helpers.js';

/** Every host form of §5.3 that must be refused when private networks are not allowed. */
const BLOCKED_URLS = [
  'https://169.254.169.254/latest/meta-data/',
  'https://127.0.0.1:8443/hook',
  'https://127.0.0.2/',
  'https://0.0.0.0/',
  'https://[::1]/',
  'https://[::]/',
  'https://[::ffff:127.0.0.1]/',
  'https://[::ffff:a9fe:a9fe]/',
  'https://[64:ff9b::7f00:1]/',
  'https://2130706433/',
  'https://0x7f000001/',
  'https://0177.0.0.1/',
  'https://127.1/',
  'https://10.0.0.1/',
  'https://172.16.5.4/',
  'https://192.168.0.10/',
  'https://100.64.0.1/',
  'https://[fe80::1]/',
  'https://[fd00::1]/',
  'https://224.0.0.1/',
  'https://240.0.0.1/',
  'https://255.255.255.255/',
  'https://[ff02::1]/',
  'https://localhost/',
  'https://LocalHost./',
  'https://app.localhost/',
  'https://metadata.google.internal/computeMetadata/v1/',
  'https://db.internal/',
  'https://printer.local/',
];

/** A TCP listener on 127.0.0.1 that only counts connections: nothing may reach it. */
async function connectionCounter(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The resolver port with a fixed table: public-looking names that lead to this machine. */
class TableResolver extends HostResolver {
  readonly lookups: string[] = [];
  constructor(private readonly table: Record<string, string[]>) {
    super();
  }
  resolve(hostname: string): Promise<ResolvedAddress[]> {
    this.lookups.push(hostname);
    const found = this.table[hostname];
    if (!found) return Promise.reject(new Error(`ENOTFOUND ${hostname}`));
    return Promise.resolve(found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }) as ResolvedAddress));
  }
}

const TABLE = {
  'hooks.example.com': ['127.0.0.1'],
  'rebind.example.com': ['93.184.215.14', '127.0.0.1'],
  'v6.example.com': ['::ffff:127.0.0.1'],
  'allowed.example.com': ['127.0.0.1'],
};

describe('SSRF: the network policy for webhook endpoint URLs (§5.3)', () => {
  describe('at create and update, private networks not allowed', () => {
    let t: TestApp;
    let key: CreatedKey;
    let existing: string;
    beforeAll(async () => {
      t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false', WEBHOOK_ALLOWED_HOSTS: 'hooks.corp.internal,10.20.0.0/16' });
      key = (await t.tenant()).live;
      existing = expectOk(await t.http().post('/v1/webhooks/endpoints').set(bearer(key)).send({ url: 'https://example.com/hook' })).endpoint.id;
    });
    afterAll(() => t?.close());

    it.each(BLOCKED_URLS)('refuses %s at create and update with 400 param url', async (url) => {
      expectBadRequest(await t.http().post('/v1/webhooks/endpoints').set(bearer(key)).send({ url }), 'url');
      expectBadRequest(await t.http().patch(`/v1/webhooks/endpoints/${existing}`).set(bearer(key)).send({ url }), 'url');
    });

    it('accepts public hosts and the WEBHOOK_ALLOWED_HOSTS entries', async () => {
      for (const url of ['https://example.com/x', 'https://93.184.215.14/', 'https://[2606:4700::1111]/', 'https://hooks.corp.internal/h', 'https://10.20.3.4/']) {
        const res = await t.http().post('/v1/webhooks/endpoints').set(bearer(key)).send({ url });
        expect({ url, status: res.status }).toEqual({ url, status: 200 });
      }
      expectBadRequest(await t.http().post('/v1/webhooks/endpoints').set(bearer(key)).send({ url: 'https://10.21.0.1/' }), 'url');
    });
  });

  it('is the default in production (NODE_ENV=production, no WEBHOOK_ALLOW_PRIVATE_NETWORKS)', async () => {
    const t = await createTestApp({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://passline.example.com' });
    try {
      const key = (await t.tenant()).live;
      expectBadRequest(await t.http().post('/v1/webhooks/endpoints').set(bearer(key)).send({ url: 'https://169.254.169.254/latest/meta-data/' }), 'url');
      expectOk(await t.http().post('/v1/webhooks/endpoints').set(bearer(key)).send({ url: 'https://example.com/hook' }));
    } finally {
      await t.close();
    }
  });

  describe('at delivery, through a resolver that answers loopback', () => {
    let t: TestApp;
    let key: CreatedKey;
    let counter: Awaited<ReturnType<typeof connectionCounter>>;
    const resolver = new TableResolver(TABLE);

    beforeAll(async () => {
      counter = await connectionCounter();
      t = await createTestApp(
        { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false', WEBHOOK_ALLOWED_HOSTS: 'allowed.example.com', WEBHOOK_DISPATCH_INTERVAL_MS: '0', WEBHOOK_TIMEOUT_MS: '2000' },
        undefined,
        { overrides: [{ provide: HostResolver, useValue: resolver }] },
      );
      key = (await t.tenant()).test;
    });
    afterAll(async () => {
      await t?.close();
      await counter?.close();
    });

    /** One endpoint at `host`, one cancelled session, the first attempt of its delivery. */
    async function firstAttempt(host: string): Promise<Json> {
      const url = `https://${host}:${counter.port}/hook`;
      const ep = expectOk(
        await t.http().post('/v1/webhooks/endpoints').set(bearer(key)).send({ url, subscribed_event_types: ['verification.session.cancelled'] }),
      ).endpoint;
      await createKey(t, key, ep.id as string, keyBody());
      const session = await createSession(t, key);
      expect((await t.http().post(`/v1/sessions/${session.id}/cancel`).set(bearer(key))).status).toBe(204);
      await dispatch(t);
      const event = await eventOf(t, key, 'verification.session.cancelled', session.id);
      const id = event.deliveries.find((d: Json) => d.webhook_endpoint_id === ep.id).id as string;
      return waitForDelivery(t, key, id, (d) => d.attempt_count === 1 && d.status !== 'delivering', 'the first attempt');
    }

    it.each(['hooks.example.com', 'rebind.example.com', 'v6.example.com'])(
      '%s: the name resolves to a blocked address, so the attempt fails as blocked_address without a connection and is retried',
      async (host) => {
        const before = counter.connections();
        const delivery = await firstAttempt(host);
        expect(delivery).toMatchObject({ status: 'pending', attempt_count: 1, last_status_code: null, last_error: 'blocked_address' });
        expect(delivery.next_attempt_at).not.toBeNull();
        expect(counter.connections()).toBe(before);
        expect(resolver.lookups).toContain(host);
      },
    );

    it('an allowed name connects to the address the resolver gave, with no second lookup', async () => {
      const before = counter.connections();
      const lookupsBefore = resolver.lookups.filter((h) => h === 'allowed.example.com').length;
      const delivery = await firstAttempt('allowed.example.com');
      // The counter drops the connection, so TLS fails: but the socket reached 127.0.0.1,
      // which only the test resolver knows about.
      expect(delivery).toMatchObject({ attempt_count: 1, last_status_code: null, last_error: 'network_error' });
      expect(counter.connections()).toBe(before + 1);
      expect(resolver.lookups.filter((h) => h === 'allowed.example.com').length).toBe(lookupsBefore + 1);
    });
  });
});
