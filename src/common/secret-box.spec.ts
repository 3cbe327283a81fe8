import { SecretBox } from './secret-box.js';

describe('SecretBox', () => {
  const box = new SecretBox('test-server-secret-0123456789abcdef');

  it('opens what it sealed, with a fresh IV each time', () => {
    const a = box.seal('whsec_abc');
    const b = box.seal('whsec_abc');
    expect(a).not.toBe(b);
    expect(box.open(a).toString('utf8')).toBe('whsec_abc');
  });

  it('refuses data sealed under another SERVER_SECRET', () => {
    const other = new SecretBox('another-server-secret-0123456789abcdef');
    expect(() => other.open(box.seal('secret'))).toThrow();
  });

  it('refuses altered data', () => {
    const sealed = Buffer.from(box.seal('secret'), 'base64');
    sealed[sealed.length - 1] ^= 1;
    expect(() => box.open(sealed.toString('base64'))).toThrow();
  });
});
