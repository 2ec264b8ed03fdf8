/**
 * Where a webhook may send (SSRF protection). Only http(s) URLs without credentials; the host is
 * resolved and every address it resolves to must be a public unicast address — no loopback,
 * private (RFC 1918), link-local, unique-local, CGNAT, multicast, reserved or IPv4-embedding
 * IPv6 ranges — unless private targets are allowed (WEBHOOK_ALLOW_PRIVATE=1, for tests and
 * on-premises receivers). The sender then connects to the address checked here (it never resolves
 * the name again), so a DNS answer that changes between check and connect (rebinding) cannot
 * redirect a delivery into the private network. Redirects are not followed.
 */
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

export const MAX_URL_LENGTH = 2000;

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Name → addresses (injectable: tests simulate DNS answers, including rebinding). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** The URL is not one a webhook may target; the message is meant for the user. */
export class TargetRefusedError extends Error {
  override name = 'TargetRefusedError';
}

/** Syntax only: http(s), a host, no user:password (it would be sent in clear to whoever answers). */
export function parseTargetUrl(raw: string): URL {
  if (raw.length > MAX_URL_LENGTH) throw new TargetRefusedError(`is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefusedError('is not a valid absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TargetRefusedError('must be an http:// or https:// URL');
  if (!url.hostname) throw new TargetRefusedError('has no host');
  if (url.username || url.password) throw new TargetRefusedError('must not contain a user name or password');
  return url;
}

/** Why `address` is not a public unicast address, or undefined when it is one. */
export function refusedRange(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'is not an IP address';
  let ip = ipaddr.parse(address);
  // ::ffff:10.0.0.1 is 10.0.0.1
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  const range = ip.range();
  return range === 'unicast' ? undefined : range;
}

/** The host name of a URL without IPv6 brackets. */
const bareHost = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * The address to connect to for `url`: the first one its host resolves to, after checking them
 * all (one private answer among public ones refuses the target: the connection could land on it).
 */
export async function resolveTarget(url: URL, opts: { allowPrivate: boolean; resolve: Resolver }): Promise<ResolvedAddress> {
  const host = bareHost(url);
  let addresses: ResolvedAddress[];
  if (net.isIP(host)) addresses = [{ address: host, family: net.isIP(host) === 6 ? 6 : 4 }];
  else {
    try {
      addresses = await opts.resolve(host);
    } catch (err) {
      throw new TargetRefusedError(`host ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (!addresses.length) throw new TargetRefusedError(`host ${host} does not resolve`);
  if (!opts.allowPrivate) {
    for (const a of addresses) {
      const range = refusedRange(a.address);
      if (range) throw new TargetRefusedError(`host ${host} resolves to ${a.address} (${range}): only public addresses are allowed`);
    }
  }
  return addresses[0]!;
}
