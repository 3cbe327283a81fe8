import { lookup } from 'node:dns/promises';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * The port through which the dispatcher turns an endpoint's host name into addresses
 * (§5.3): the system resolver in production, a fixed table in tests, so a test can make
 * a public-looking name resolve to loopback.
 */
export abstract class HostResolver {
  abstract resolve(hostname: string): Promise<ResolvedAddress[]>;
}

/** getaddrinfo, as every other client on the host would resolve the name. */
export class SystemHostResolver extends HostResolver {
  async resolve(hostname: string): Promise<ResolvedAddress[]> {
    const all = await lookup(hostname, { all: true, verbatim: true });
    return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
  }
}
