/**
 * The base URL rule: the token travels in every request, so it only goes over TLS — except to a
 * loopback host (the simulator, tests), where there is no network to eavesdrop on.
 */
import { isIPv4 } from 'node:net';

export const DEFAULT_REPLICATE_BASE_URL = 'https://api.replicate.com/v1';

export interface ReplicateBaseUrl {
  /** `scheme://host[:port]`, what the connection pool is bound to. */
  readonly origin: string;
  /** The path prefix without a trailing slash, e.g. `/v1` (empty for a bare origin). */
  readonly basePath: string;
}

export function isLoopbackHost(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]' || hostname === '::1') return true;
  return isIPv4(hostname) && hostname.startsWith('127.');
}

export function parseReplicateBaseUrl(baseUrl: string): ReplicateBaseUrl {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError('The Replicate base URL is not a valid URL.');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new TypeError('The Replicate base URL must use https (plain http is allowed only for loopback hosts).');
  }
  // Credentials or a query in the base URL would leak into logs and every request path.
  if (url.username || url.password || url.search || url.hash) {
    throw new TypeError('The Replicate base URL must not contain credentials, a query or a fragment.');
  }
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
}
