import { addressAllowed, endpointHostProblem, isAllowListEntry, isBlockedAddress, isBlockedName, type NetworkPolicy } from './network-policy.js';

const strict: NetworkPolicy = { allowPrivateNetworks: false, allowedHosts: [] };
const hostOf = (url: string) => new URL(url).hostname;

describe('network policy (§5.3)', () => {
  it.each([
    '0.0.0.0',
    '0.1.2.3',
    '127.0.0.1',
    '127.255.0.9',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '100.64.0.1',
    '169.254.169.254',
    '224.0.0.1',
    '239.255.255.250',
    '240.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    'fe80::1',
    'fe80::1%eth0',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b:1::1',
    '::127.0.0.1',
  ])('blocks %s', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
    expect(addressAllowed('example.com', address, strict)).toBe(false);
  });

  it.each(['93.184.215.14', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])('allows %s', (address) => {
    expect(isBlockedAddress(address)).toBe(false);
    expect(addressAllowed('example.com', address, strict)).toBe(true);
  });

  it.each([
    'https://169.254.169.254/latest/meta-data/',
    'https://127.0.0.1:8443/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::1]/',
    'https://2130706433/',
    'https://0x7f000001/',
    'https://0177.0.0.1/',
    'https://127.1/',
    'https://10.0.0.1/',
    'https://[fd00::1]/',
    'https://[64:ff9b::7f00:1]/',
    'https://metadata.google.internal/computeMetadata/v1/',
    'https://localhost/',
    'https://LOCALHOST./',
    'https://api.localhost/',
    'https://db.internal/',
    'https://printer.local/',
  ])('refuses the endpoint URL %s', (url) => {
    expect(endpointHostProblem(hostOf(url), strict)).not.toBeNull();
  });

  it.each(['https://example.com/hook', 'https://93.184.215.14/', 'https://[2606:4700::1111]/', 'https://internal.example.com/'])(
    'accepts the endpoint URL %s',
    (url) => {
      expect(endpointHostProblem(hostOf(url), strict)).toBeNull();
    },
  );

  it('WEBHOOK_ALLOW_PRIVATE_NETWORKS lets everything through', () => {
    const open: NetworkPolicy = { allowPrivateNetworks: true, allowedHosts: [] };
    expect(endpointHostProblem('127.0.0.1', open)).toBeNull();
    expect(addressAllowed('localhost', '127.0.0.1', open)).toBe(true);
  });

  it('WEBHOOK_ALLOWED_HOSTS allows the listed names and ranges only', () => {
    const policy: NetworkPolicy = { allowPrivateNetworks: false, allowedHosts: ['hooks.internal', '10.1.0.0/16', '::1'] };
    expect(endpointHostProblem('hooks.internal', policy)).toBeNull();
    expect(addressAllowed('hooks.internal', '10.9.9.9', policy)).toBe(true);
    expect(endpointHostProblem('other.internal', policy)).not.toBeNull();
    expect(endpointHostProblem('10.1.2.3', policy)).toBeNull();
    expect(addressAllowed('svc.example.com', '10.1.2.3', policy)).toBe(true);
    expect(addressAllowed('svc.example.com', '::ffff:10.1.2.3', policy)).toBe(true);
    expect(addressAllowed('svc.example.com', '10.2.0.1', policy)).toBe(false);
    expect(endpointHostProblem('[::1]', policy)).toBeNull();
  });

  it('names', () => {
    expect(isBlockedName('foo.LOCAL')).toBe(true);
    expect(isBlockedName('localhost.example.com')).toBe(false);
  });

  it('validates allow-list entries', () => {
    expect(isAllowListEntry('hooks.internal')).toBe(true);
    expect(isAllowListEntry('10.0.0.0/8')).toBe(true);
    expect(isAllowListEntry('fd00::/8')).toBe(true);
    expect(isAllowListEntry('10.0.0.0/40')).toBe(false);
    expect(isAllowListEntry('https://x')).toBe(false);
  });
});
