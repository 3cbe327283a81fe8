import { createHmac } from 'node:crypto';
import { deepLinkFor, deriveHandoffToken, parseDeepLink, websocketUrlFor, type HandoffData } from './handoff.js';

const SECRET = 'test-server-secret-0123456789abcdef';
const SESSION = `vs_${'a1'.repeat(32)}`;
const ATTEMPT = `va_${'b2'.repeat(32)}`;

const data = (overrides: Partial<HandoffData> = {}): HandoffData => ({
  v: 1,
  session_id: SESSION,
  attempt_id: ATTEMPT,
  mobile_write_token: 'c'.repeat(64),
  expires_at: '2026-11-26T10:06:00.000Z',
  websocket_url: `wss://api.example.com/v1/verify/session/${SESSION}`,
  ...overrides,
});

describe('deriveHandoffToken', () => {
  it('is the hex HMAC of the versioned message with the ISO issue time', () => {
    const issuedAt = new Date('2026-11-26T10:01:00.000Z');
    const expected = createHmac('sha256', SECRET)
      .update(`verify_handoff_token_v1|${SESSION}|${ATTEMPT}|2026-11-26T10:01:00.000Z|seed123`)
      .digest('hex');
    expect(deriveHandoffToken(SECRET, SESSION, ATTEMPT, issuedAt, 'seed123')).toBe(expected);
  });
});

describe('websocketUrlFor', () => {
  it.each([
    ['http://localhost:3000', `ws://localhost:3000/v1/verify/session/${SESSION}`],
    ['https://api.example.com', `wss://api.example.com/v1/verify/session/${SESSION}`],
    ['HTTPS://api.example.com/base/', `wss://api.example.com/base/v1/verify/session/${SESSION}`],
  ])('maps %s', (base, expected) => {
    expect(websocketUrlFor(base, SESSION)).toBe(expected);
  });
});

describe('deepLinkFor / parseDeepLink', () => {
  it('is kayle-id:// and the percent-encoded JSON of the data, as the Kayle app parses it', () => {
    const link = deepLinkFor(data());
    expect(link.startsWith('kayle-id://%7B%22v%22%3A1%2C%22session_id%22%3A%22')).toBe(true);
    // The app's parser: drop the scheme, then removingPercentEncoding, then JSONDecoder.
    expect(JSON.parse(decodeURIComponent(link.slice('kayle-id://'.length)))).toEqual(data());
    expect(link.slice('kayle-id://'.length)).toMatch(/^[A-Za-z0-9\-_.!~*'()%]+$/);
  });

  it('round-trips', () => {
    expect(parseDeepLink(deepLinkFor(data()))).toEqual(data());
  });

  it.each([
    ['another scheme', 'https://verify?payload=abc'],
    ['the old base64url form', `kayle-id://verify?payload=${Buffer.from(JSON.stringify(data())).toString('base64url')}`],
    ['raw JSON characters', `kayle-id://${JSON.stringify(data())}`],
    ['a broken escape', `${deepLinkFor(data())}%E0%A4%A`],
    ['not JSON', 'kayle-id://not%20json'],
    ['a JSON array', `kayle-id://${encodeURIComponent('[1]')}`],
    ['an extra field', deepLinkFor({ ...data(), extra: 1 } as HandoffData)],
    ['a missing field', deepLinkFor({ ...data(), websocket_url: undefined } as unknown as HandoffData)],
    ['a bad token', deepLinkFor(data({ mobile_write_token: 'C'.repeat(64) }))],
    ['a bad session id', deepLinkFor(data({ session_id: 'vs_1' }))],
    ['a websocket URL of another session', deepLinkFor(data({ websocket_url: 'wss://x/v1/verify/session/vs_other' }))],
    ['an http websocket URL', deepLinkFor(data({ websocket_url: `https://x/v1/verify/session/${SESSION}` }))],
    ['version 2', deepLinkFor({ ...data(), v: 2 } as unknown as HandoffData)],
    ['more than 2 KB', `kayle-id://${'a'.repeat(2100)}`],
  ])('rejects %s', (_name, link) => {
    expect(parseDeepLink(link)).toBeNull();
  });
});
