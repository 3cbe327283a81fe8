import { loadSettings } from './app.config.js';

const SECRET = 'unit-test-server-secret-0123456789abcdef';
const load = (env: Record<string, string>) => loadSettings({ SERVER_SECRET: SECRET, DATABASE_URL: ':memory:', ...env });

describe('settings for logs and the hosted page', () => {
  it('writes JSON lines in production and text for people elsewhere, unless LOG_FORMAT says otherwise', () => {
    expect(load({ NODE_ENV: 'production' }).logFormat).toBe('json');
    expect(load({ NODE_ENV: 'development' }).logFormat).toBe('pretty');
    expect(load({ NODE_ENV: 'test' }).logFormat).toBe('pretty');
    expect(load({ NODE_ENV: 'development', LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(load({ NODE_ENV: 'production', LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
  });

  it('refuses an unknown LOG_FORMAT with one clear line', () => {
    expect(() => load({ LOG_FORMAT: 'xml' })).toThrow('Invalid configuration: LOG_FORMAT must be json or pretty (got "xml").');
  });

  it("names the Kayle ID app by default, and the operator's app when configured", () => {
    expect(load({}).verifyApp).toEqual({ name: 'Kayle ID', url: 'https://kayle.id' });
    expect(load({ VERIFY_APP_NAME: ' Passport Pal ', VERIFY_APP_URL: 'https://passportpal.example/get' }).verifyApp).toEqual({
      name: 'Passport Pal',
      url: 'https://passportpal.example/get',
    });
  });

  it('refuses an app URL that is not https, and a name that is not one short line', () => {
    expect(() => load({ VERIFY_APP_URL: 'http://passportpal.example' })).toThrow(/VERIFY_APP_URL must be an https URL/);
    expect(() => load({ VERIFY_APP_NAME: 'x'.repeat(61) })).toThrow(/VERIFY_APP_NAME must be 1 to 60 characters/);
  });
});

describe('CRL_POLICY (§6.7 "Revocation")', () => {
  it('is soft by default, or strict', () => {
    expect(load({}).crlPolicy).toBe('soft');
    expect(load({ CRL_POLICY: '' }).crlPolicy).toBe('soft');
    expect(load({ CRL_POLICY: 'strict' }).crlPolicy).toBe('strict');
    expect(load({ CRL_POLICY: 'soft' }).crlPolicy).toBe('soft');
  });

  it('refuses anything else with one clear line', () => {
    expect(() => load({ CRL_POLICY: 'hard' })).toThrow(
      'Invalid configuration: CRL_POLICY must be soft (accept a passport when its CRL is past nextUpdate, with a warning) or strict (fail it) (got "hard").',
    );
  });
});
