import { ApiError } from './errors/api-error.js';
import { endpointHostProblem, type NetworkPolicy } from '../config/network-policy.js';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The rule for URLs our users give us (redirect_url, webhook url; §3.2, §5.3): absolute,
 * at most 2048 characters, https — or http for a local host outside production.
 * Returns the reason it is refused, or null.
 */
export function clientUrlProblem(value: string, isProduction: boolean): string | null {
  if (value.length > 2048) return 'must be at most 2048 characters';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:') {
    if (isProduction) return 'must use https';
    return LOCAL_HOSTS.has(url.hostname) ? null : 'must use https (http is allowed only for localhost, 127.0.0.1 and [::1])';
  }
  return 'must use https';
}

export function assertClientUrl(param: string, value: string, isProduction: boolean): void {
  const problem = clientUrlProblem(value, isProduction);
  if (problem) throw ApiError.badRequest(param, `${param} ${problem}.`);
}

/**
 * A webhook endpoint URL (§5.3): the client URL rule plus the network policy, since the
 * server itself connects to it.
 */
export function assertEndpointUrl(param: string, value: string, isProduction: boolean, policy: NetworkPolicy): void {
  assertClientUrl(param, value, isProduction);
  const problem = endpointHostProblem(new URL(value).hostname, policy);
  if (problem) throw ApiError.badRequest(param, `${param} ${problem}.`);
}
