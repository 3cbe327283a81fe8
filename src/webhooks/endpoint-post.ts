import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { addressAllowed, normalizeHost, type NetworkPolicy } from '../config/network-policy.js';
import type { HostResolver, ResolvedAddress } from './host-resolver.js';

export type PostResult = { statusCode: number } | { error: 'blocked_address' | 'network_error' | 'timeout' };

export interface EndpointPost {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * POSTs one delivery under the §5.3 network policy. The host name is resolved once, every
 * address is checked, and the socket is opened to the first checked address itself (the
 * name only goes into the Host header and TLS SNI/certificate check), so a second lookup
 * cannot return something else (DNS rebinding). A redirect is an answer like any other:
 * never followed. `timeoutMs` bounds the lookup, the connection and the response headers.
 */
export async function postToEndpoint(
  target: string,
  post: EndpointPost,
  resolver: HostResolver,
  policy: NetworkPolicy,
): Promise<PostResult> {
  const url = new URL(target);
  const host = normalizeHost(url.hostname);
  const signal = AbortSignal.timeout(post.timeoutMs);
  let addresses: ResolvedAddress[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await raceAbort(resolver.resolve(host), signal);
    } catch {
      return { error: signal.aborted ? 'timeout' : 'network_error' };
    }
  }
  if (addresses.length === 0) return { error: 'network_error' };
  if (!addresses.every((a) => addressAllowed(host, a.address, policy))) return { error: 'blocked_address' };
  const [chosen] = addresses;
  const https = url.protocol === 'https:';
  return new Promise<PostResult>((resolve) => {
    const req = (https ? httpsRequest : httpRequest)(
      {
        host: chosen.address,
        family: chosen.family,
        port: url.port || (https ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: { ...post.headers, host: url.host, 'content-length': String(Buffer.byteLength(post.body)) },
        // Certificates are checked against the name the customer gave, not the address.
        servername: https && !isIP(host) ? host : undefined,
        agent: false,
        signal,
      },
      (res: IncomingMessage) => {
        resolve({ statusCode: res.statusCode ?? 0 });
        // The body is not needed: drop it instead of letting a receiver stream into us.
        res.destroy();
      },
    );
    req.on('error', () => resolve({ error: signal.aborted ? 'timeout' : 'network_error' }));
    req.end(post.body);
  });
}
