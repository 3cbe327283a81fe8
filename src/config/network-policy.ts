import ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';

/**
 * Where the server may send webhooks (§5.3 "Network policy for endpoint URLs"): never to its
 * own network, so an endpoint URL cannot be used for SSRF. Pure functions over the host
 * names and addresses; the dispatcher resolves names and asks `addressAllowed` for each.
 */
export interface NetworkPolicy {
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS: everything is allowed (development and test default). */
  allowPrivateNetworks: boolean;
  /** WEBHOOK_ALLOWED_HOSTS: exact host names (lower case, no trailing dot) and CIDRs. */
  allowedHosts: readonly string[];
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

const cidrs = (list: string[]): Cidr[] => list.map((c) => ipaddr.parseCIDR(c));

/** IPv4 ranges the server must not reach. */
const BLOCKED_V4 = cidrs([
  '0.0.0.0/8', // unspecified ("this network"; 0.0.0.0 reaches the local host on Linux)
  '127.0.0.0/8', // loopback
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16', // private
  '100.64.0.0/10', // carrier-grade NAT
  '169.254.0.0/16', // link-local, cloud metadata services
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, broadcast
]);

const BLOCKED_V6 = cidrs([
  '::/128', // unspecified
  '::1/128', // loopback
  'fe80::/10', // link-local
  'fc00::/7', // unique-local
  'ff00::/8', // multicast
  '64:ff9b:1::/48', // local-use NAT64 (RFC 8215): the embedded IPv4 is not at a fixed place
]);

/** IPv6 prefixes whose last 32 bits are an IPv4 address that is what gets reached. */
const EMBEDS_V4 = cidrs([
  '::ffff:0:0/96', // IPv4-mapped
  '64:ff9b::/96', // NAT64 well-known prefix (RFC 6052)
  '::/96', // IPv4-compatible (deprecated, still routed by some stacks)
]);

const BLOCKED_NAMES = new Set(['localhost', 'metadata.google.internal']);
const BLOCKED_SUFFIXES = ['.localhost', '.internal', '.local'];

/** `[::1]` → `::1`, `Example.COM.` → `example.com`. */
export function normalizeHost(host: string): string {
  let h = host.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

function parse(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const bare = normalizeHost(address).replace(/%.*$/, '');
  return isIP(bare) ? ipaddr.parse(bare) : null;
}

function embeddedV4(ip: ipaddr.IPv6): ipaddr.IPv4 | null {
  if (!EMBEDS_V4.some((c) => ip.match(c))) return null;
  const bytes = ip.toByteArray();
  return new ipaddr.IPv4(bytes.slice(12));
}

/** True when `address` (an IPv4 or IPv6 literal) lies in a range of §5.3. */
export function isBlockedAddress(address: string): boolean {
  const ip = parse(address);
  if (!ip) return false;
  if (ip.kind() === 'ipv4') return BLOCKED_V4.some((c) => ip.match(c));
  const v6 = ip as ipaddr.IPv6;
  const v4 = embeddedV4(v6);
  if (v4) return BLOCKED_V4.some((c) => v4.match(c));
  return BLOCKED_V6.some((c) => v6.match(c));
}

/** True for `localhost`, `*.localhost`, `*.internal`, `*.local` and the metadata name. */
export function isBlockedName(host: string): boolean {
  const h = normalizeHost(host);
  return BLOCKED_NAMES.has(h) || BLOCKED_SUFFIXES.some((s) => h.endsWith(s));
}

function inAllowList(host: string, policy: NetworkPolicy): boolean {
  const h = normalizeHost(host);
  const ip = parse(h);
  for (const entry of policy.allowedHosts) {
    if (entry.includes('/') || isIP(entry)) {
      if (!ip) continue;
      const [range, bits] = entry.includes('/') ? ipaddr.parseCIDR(entry) : [ipaddr.parse(entry), entry.includes(':') ? 128 : 32];
      const candidate = ip.kind() === range.kind() ? ip : ip.kind() === 'ipv6' ? embeddedV4(ip as ipaddr.IPv6) : null;
      if (candidate && candidate.kind() === range.kind() && candidate.match(range, bits)) return true;
    } else if (entry === h) {
      return true;
    }
  }
  return false;
}

/**
 * Why the host of an endpoint URL is refused at create or update, or null. `hostname` is
 * what the WHATWG URL parser made of it, so every spelling of an IPv4 address
 * (`2130706433`, `0x7f000001`, `0177.0.0.1`) arrives here as dotted decimal.
 */
export function endpointHostProblem(hostname: string, policy: NetworkPolicy): string | null {
  if (policy.allowPrivateNetworks || inAllowList(hostname, policy)) return null;
  if (parse(hostname)) return isBlockedAddress(hostname) ? 'must not point to a private, loopback or reserved address' : null;
  return isBlockedName(hostname) ? 'must not point to a local or internal host name' : null;
}

/**
 * Whether the dispatcher may connect to `address`, which `hostname` resolved to. A host
 * name on the allow list may resolve anywhere; otherwise the address itself is checked.
 */
export function addressAllowed(hostname: string, address: string, policy: NetworkPolicy): boolean {
  if (policy.allowPrivateNetworks || inAllowList(hostname, policy) || inAllowList(address, policy)) return true;
  return !isBlockedAddress(address);
}

/** True when `entry` is a valid WEBHOOK_ALLOWED_HOSTS item: a host name, an address or a CIDR. */
export function isAllowListEntry(entry: string): boolean {
  if (entry.includes('/')) return ipaddr.isValidCIDR(entry);
  if (isIP(entry)) return true;
  return /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(entry);
}
