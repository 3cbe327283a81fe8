import { hmacHex } from '../common/crypto.js';
import { API_KEY_REVOKED, changeApiKey, newApiKey, normalizeScopes, revokeApiKey } from './api-key-rules.js';

const SECRET = 'unit-test-server-secret-0123456789abcdef';
const ORG_ID = '5d1c2f9e-8a41-4c1b-9b7e-0f3a5e2d7c10';
const NOW = new Date('2026-11-26T10:00:00.000Z');
const LATER = new Date('2026-11-26T11:00:00.000Z');

describe('API key rules', () => {
  it('makes a live key with every scope by default: stored as its HMAC and prefix only, name trimmed', () => {
    const { record, key } = newApiKey({ organizationId: ORG_ID, name: '  Backend ' }, SECRET, NOW);
    expect(key).toMatch(/^kk_live_[a-z0-9]{32}$/);
    expect(record).toMatchObject({
      organizationId: ORG_ID,
      name: 'Backend',
      livemode: true,
      scopes: ['sessions:read', 'sessions:write', 'webhooks:read', 'webhooks:write'],
      enabled: true,
      keyPrefix: key.slice(0, 12),
      keyHash: hmacHex(SECRET, key),
      lastUsedAt: null,
      revokedAt: null,
      createdAt: NOW,
      updatedAt: NOW,
    });
    expect(JSON.stringify(record)).not.toContain(key);
  });

  it('makes a test key with the given scopes, in canonical order without duplicates', () => {
    const { record, key } = newApiKey(
      { organizationId: ORG_ID, name: 'CI', livemode: false, scopes: ['webhooks:read', 'sessions:read', 'webhooks:read'] },
      SECRET,
    );
    expect(key).toMatch(/^kk_test_[a-z0-9]{32}$/);
    expect(record.scopes).toEqual(['sessions:read', 'webhooks:read']);
    expect(normalizeScopes(['webhooks:write', 'sessions:write'])).toEqual(['sessions:write', 'webhooks:write']);
  });

  it('changes a key and returns the columns to write; a revoked key refuses with CONFLICT', () => {
    const { record } = newApiKey({ organizationId: ORG_ID, name: 'Backend' }, SECRET, NOW);
    expect(changeApiKey(record, { enabled: false, name: ' Renamed ' }, LATER)).toEqual({
      name: 'Renamed',
      enabled: false,
      scopes: record.scopes,
      updatedAt: LATER,
    });
    expect(record).toMatchObject({ name: 'Renamed', enabled: false, updatedAt: LATER });
    revokeApiKey(record, LATER);
    expect(() => changeApiKey(record, { enabled: true })).toThrow(API_KEY_REVOKED());
  });

  it('revokes once: a repeat call changes nothing and writes nothing', () => {
    const { record } = newApiKey({ organizationId: ORG_ID, name: 'Backend' }, SECRET, NOW);
    expect(revokeApiKey(record, LATER)).toEqual({ revokedAt: LATER, updatedAt: LATER });
    expect(revokeApiKey(record, new Date(LATER.getTime() + 1000))).toBeNull();
    expect(record).toMatchObject({ revokedAt: LATER, updatedAt: LATER });
  });
});
