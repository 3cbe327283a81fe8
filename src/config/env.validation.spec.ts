import { loadSettings } from './app.config.js';
import { validateEnv } from './env.validation.js';

const base = { SERVER_SECRET: 'x'.repeat(40), DATABASE_URL: '/tmp/passline-config-spec/db.sqlite' };

describe('hardening settings (§1.10, §5.3, §9.4)', () => {
  it('TRUST_PROXY: true, a hop count, addresses/CIDRs or proxy-addr names; anything else stops the boot', () => {
    expect(loadSettings({ ...base }).trustProxy).toBe(false);
    expect(loadSettings({ ...base, TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadSettings({ ...base, TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadSettings({ ...base, TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toBe('10.0.0.0/8,127.0.0.1');
    expect(loadSettings({ ...base, TRUST_PROXY: 'loopback' }).trustProxy).toBe('loopback');
    expect(() => validateEnv({ TRUST_PROXY: 'any proxy' })).toThrow(/TRUST_PROXY must be/);
  });

  it('WEBHOOK_ALLOW_PRIVATE_NETWORKS defaults to false in production only', () => {
    expect(loadSettings({ ...base, NODE_ENV: 'production' }).webhooks.network.allowPrivateNetworks).toBe(false);
    expect(loadSettings({ ...base, NODE_ENV: 'development' }).webhooks.network.allowPrivateNetworks).toBe(true);
    expect(loadSettings({ ...base, NODE_ENV: 'test' }).webhooks.network.allowPrivateNetworks).toBe(true);
    expect(loadSettings({ ...base, NODE_ENV: 'production', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' }).webhooks.network.allowPrivateNetworks).toBe(true);
    expect(() => validateEnv({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'maybe' })).toThrow(/WEBHOOK_ALLOW_PRIVATE_NETWORKS/);
  });

  it('WEBHOOK_ALLOWED_HOSTS: names (lower-cased, no trailing dot), addresses and CIDRs', () => {
    expect(loadSettings({ ...base, WEBHOOK_ALLOWED_HOSTS: 'Hooks.Corp.Internal., 10.0.0.0/8 ,::1' }).webhooks.network.allowedHosts).toEqual([
      'hooks.corp.internal',
      '10.0.0.0/8',
      '::1',
    ]);
    expect(() => validateEnv({ WEBHOOK_ALLOWED_HOSTS: 'https://hooks.example.com' })).toThrow(/WEBHOOK_ALLOWED_HOSTS/);
  });

  it('RATE_LIMIT_PUBLIC_STATUS_PER_MIN: 1200 or 10x the public limit by default, off with it', () => {
    expect(loadSettings({ ...base }).rateLimits.publicStatus).toBe(1200);
    expect(loadSettings({ ...base, RATE_LIMIT_PUBLIC_PER_MIN: '300' }).rateLimits.publicStatus).toBe(3000);
    expect(loadSettings({ ...base, RATE_LIMIT_PUBLIC_PER_MIN: '0' }).rateLimits.publicStatus).toBe(0);
    expect(loadSettings({ ...base, RATE_LIMIT_PUBLIC_STATUS_PER_MIN: '50' }).rateLimits.publicStatus).toBe(50);
  });
});
