import { verifyKayleSignature } from './receiver.js';
import { signatureHeader, signatureV1 } from './signature.js';

// The test vector of §5.12.
const current = 'whsec_abcdefghijklmnopqrstuvwxyz012345';
const previous = 'whsec_zyxwvutsrqponmlkjihgfedcba543210';
const t = 1764180000;
const body =
  'eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIiwia2lkIjoicnNhLWtleS0xIn0.ZW5jcnlwdGVkLWtleQ.aXY.Y2lwaGVydGV4dA.dGFn';

describe('webhook signatures', () => {
  it('matches the contract test vector for both secrets', () => {
    expect(signatureV1(current, t, body)).toBe('a6a3a6f1f813dde42008dd32ea4c58234ee0a6ac9852c95c286f69542fdaffca');
    expect(signatureV1(previous, t, body)).toBe('546a893d0e5492bf228d39d184d957ccbb3b59ebd252ef7e3381b9a8b214f7b2');
    expect(signatureHeader([current, previous], t, body)).toBe(
      't=1764180000,v1=a6a3a6f1f813dde42008dd32ea4c58234ee0a6ac9852c95c286f69542fdaffca,v1=546a893d0e5492bf228d39d184d957ccbb3b59ebd252ef7e3381b9a8b214f7b2',
    );
  });

  it('matches the HMAC self-check of the contract', () => {
    expect(signatureV1('secret', 1764180000000, '{"name":"John Doe","email":"john.doe@example.com"}')).toBe(
      '631a0bfeb29ef73049d328d97d3931f39e412104d5775502329732dfd20d766b',
    );
  });

  it('lets a receiver verify with either secret during an overlap', () => {
    const header = signatureHeader([current, previous], t, body);
    expect(verifyKayleSignature(header, body, [current], t)).toBe(true);
    expect(verifyKayleSignature(header, body, [previous], t + 300)).toBe(true);
  });

  it('rejects a stale timestamp, a changed body and an unknown secret', () => {
    const header = signatureHeader([current], t, body);
    expect(verifyKayleSignature(header, body, [current], t + 301)).toBe(false);
    expect(verifyKayleSignature(header, `${body}x`, [current], t)).toBe(false);
    expect(verifyKayleSignature(header, body, [previous], t)).toBe(false);
    expect(verifyKayleSignature(undefined, body, [current], t)).toBe(false);
    expect(verifyKayleSignature('v1=abc', body, [current], t)).toBe(false);
  });
});
