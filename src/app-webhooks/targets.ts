/**
 * Where a webhook may go (SSRF): outside production http and loopback targets are allowed, so a
 * developer receives on their own machine; in production only https to public unicast addresses.
 * `WEBHOOK_ALLOWED_TARGETS` names exceptions (host names, addresses or CIDRs). Private, loopback
 * (in production), link-local, CGNAT, unique-local, metadata (169.254.169.254, fd00:ec2::254),
 * multicast, reserved and translated (6to4, NAT64, Teredo) addresses are refused: ipaddr.js names
 * every range, and only `unicast` is public.
 *
 * Checked twice: the URL when an endpoint is saved and before each request (scheme, credentials,
 * IP literals, which never reach a DNS lookup), and every address a host name resolves to, in the
 * connection's own lookup (`connect.lookup` of the undici Agent) — the address checked is the one
 * connected to, so a name that resolves to a public address when saved and to a private one later
 * (DNS rebinding) is refused before any connection is made.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent } from 'undici';

/** A target the rules refuse; nothing was sent. */
export class WebhookTargetRefusedError extends Error {
  readonly code = 'WEBHOOK_TARGET_REFUSED';

  constructor(message: string) {
    super(message);
    this.name = 'WebhookTargetRefusedError';
  }
}

export interface TargetPolicy {
  /** Production: https only, public addresses only (loopback refused too). */
  readonly production: boolean;
  readonly allowedHosts: ReadonlySet<string>;
  readonly allowedRanges: ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]>;
}

/** The policy from the configuration; `allowedTargets` entries are host names, addresses or CIDRs. */
export function targetPolicy(production: boolean, allowedTargets: readonly string[]): TargetPolicy {
  const allowedHosts = new Set<string>();
  const allowedRanges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];
  for (const target of allowedTargets) {
    const bare = target.replace(/^\[|\]$/g, '');
    if (target.includes('/')) allowedRanges.push(ipaddr.parseCIDR(target));
    else if (ipaddr.isValid(bare))
      allowedRanges.push([ipaddr.process(bare), ipaddr.process(bare).kind() === 'ipv4' ? 32 : 128]);
    else allowedHosts.add(target.toLowerCase());
  }
  return { production, allowedHosts, allowedRanges };
}

/** Why an address may not be connected to, or null when it may. */
export function refusedAddress(address: string, policy: TargetPolicy): string | null {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  const parsed = ipaddr.process(address);
  for (const [range, bits] of policy.allowedRanges) {
    if (range.kind() === parsed.kind() && parsed.match(range, bits)) return null;
  }
  const kind = parsed.range();
  if (kind === 'unicast') return null;
  if (kind === 'loopback' && !policy.production) return null;
  return `${kind} address`;
}

/** The URL a webhook may be sent to; throws WebhookTargetRefusedError saying why not. */
export function checkTargetUrl(text: string, policy: TargetPolicy): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookTargetRefusedError('is not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new WebhookTargetRefusedError('must be http(s)');
  if (url.username || url.password) throw new WebhookTargetRefusedError('must not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (policy.allowedHosts.has(host)) return url;
  if (policy.production && url.protocol !== 'https:') throw new WebhookTargetRefusedError('must be https');
  if (isIP(host) !== 0) {
    const reason = refusedAddress(host, policy);
    if (reason) throw new WebhookTargetRefusedError(`points at a ${reason}`);
  }
  return url;
}

/** Resolves a host name to every address (tests pass their own resolver; nothing leaves loopback). */
export type Resolve = (hostname: string) => Promise<readonly LookupAddress[]>;

const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    );
  });

/** A `net.connect` lookup that refuses a host name if any address it resolves to is refused. */
export function checkedLookup(policy: TargetPolicy, resolve: Resolve = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    const host = hostname.toLowerCase();
    resolve(host).then(
      (found) => {
        const family = options.family === 4 || options.family === 6 ? options.family : 0;
        const addresses = found.filter((entry) => family === 0 || entry.family === family);
        const allowed = policy.allowedHosts.has(host);
        const refused = allowed ? undefined : addresses.find((entry) => refusedAddress(entry.address, policy) !== null);
        if (refused || addresses.length === 0) {
          const reason = refused
            ? `resolves to a ${refusedAddress(refused.address, policy)}`
            : 'resolves to no address';
          callback(new WebhookTargetRefusedError(`${host} ${reason}`), '', 0);
          return;
        }
        if (options.all) callback(null, addresses as LookupAddress[]);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

/**
 * The connection pool webhooks are sent through: every connection's addresses pass the policy
 * before the socket opens. One pool per process; keep-alive serves repeated deliveries.
 */
export function createTargetAgent(
  policy: TargetPolicy,
  options: { resolve?: Resolve; connectTimeoutMs: number },
): Agent {
  return new Agent({
    connect: { lookup: checkedLookup(policy, options.resolve), timeout: options.connectTimeoutMs },
    keepAliveTimeout: 4_000,
    connections: 8,
  });
}
