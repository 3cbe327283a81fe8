import { DeferredBodyError } from '../common/http/body.js';
import { canonicalJson, requestFingerprint } from './fingerprint.js';

describe('requestFingerprint', () => {
  it('ignores key order and whitespace in the JSON body', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
    expect(requestFingerprint('POST', '/v1/sessions', { b: 1, a: 2 })).toBe(requestFingerprint('post', '/v1/sessions', { a: 2, b: 1 }));
  });

  it('sorts query parameters', () => {
    expect(requestFingerprint('POST', '/v1/sessions?b=2&a=1', {})).toBe(requestFingerprint('POST', '/v1/sessions?a=1&b=2', {}));
  });

  it('treats an empty body as {}', () => {
    expect(requestFingerprint('POST', '/x', undefined)).toBe(requestFingerprint('POST', '/x', {}));
  });

  it('tells different paths, bodies and raw bytes apart', () => {
    const base = requestFingerprint('POST', '/v1/sessions', { a: 1 });
    expect(requestFingerprint('POST', '/v1/sessions', { a: 2 })).not.toBe(base);
    expect(requestFingerprint('POST', '/v1/sessions/x/cancel', { a: 1 })).not.toBe(base);
    expect(requestFingerprint('POST', '/x', new DeferredBodyError('malformed_json', Buffer.from('{a')))).not.toBe(
      requestFingerprint('POST', '/x', new DeferredBodyError('malformed_json', Buffer.from('{b'))),
    );
  });
});
