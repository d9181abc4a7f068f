// Where deliveries may be sent. A webhook URL is someone's input, and the gateway sits inside
// a network: a URL may point at the gateway itself, its database, a cloud's metadata service
// or anything else only the inside reaches. Only public unicast addresses are allowed, in
// every spelling (the URL parser normalises 2130706433, 127.1 and 0x7f.1; ipaddr.js
// classifies IPv4-mapped IPv6 and every special range), checked when a target is made and
// again on every connection against the address the name resolved to then (a name that
// resolves elsewhere later, DNS rebinding, is caught there). DELIVERY_ALLOWED_HOSTS names
// hosts and ranges allowed all the same (development, a receiver on a private network);
// with NODE_ENV=production only https is allowed unless DELIVERY_ALLOW_HTTP.
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

export interface OutboundOptions {
  /** Host names (exact, lowercase) and IP addresses or CIDR ranges allowed although internal. */
  allowed: string[];
  allowHttp: boolean;
}

/** A connection refused by the policy (its code, so callers need not read messages). */
export class DestinationDenied extends Error {
  readonly code = 'EDESTINATION_DENIED';
  constructor(readonly range: string) {
    super(`the receiver's address is ${range}, which deliveries may not reach`);
  }
}

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** How long a target's check waits for its name to resolve. */
const RESOLVE_TIMEOUT_MS = 2000;

export function createOutboundPolicy(options: OutboundOptions) {
  const hosts = new Set<string>();
  const ranges: Array<[Address, number]> = [];
  for (const entry of options.allowed) {
    const value = entry.trim().toLowerCase();
    if (!value) continue;
    if (ipaddr.isValidCIDR(value)) ranges.push(ipaddr.parseCIDR(value));
    else if (ipaddr.isValid(value)) {
      const address = ipaddr.process(value);
      ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
    } else hosts.add(value);
  }

  /**
   * Null when deliveries may reach `raw` (resolved for `host`), else the range that forbids
   * it (ipaddr.js's name; an IPv4-mapped IPv6 address counts as the IPv4 address it carries).
   */
  function addressProblem(raw: string, host: string): string | null {
    if (hosts.has(host)) return null;
    let address: Address;
    try {
      address = ipaddr.process(raw);
    } catch {
      return 'not an IP address';
    }
    if (ranges.some(([net, bits]) => net.kind() === address.kind() && address.match(net, bits))) return null;
    const range = address.range();
    return range === 'unicast' ? null : range;
  }

  /** The URL's host as the URL parser normalised it (brackets off an IPv6 literal). */
  const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();

  /** What is wrong with sending to `url` without resolving names (scheme, literal addresses, localhost). */
  function staticProblem(url: URL): string | null {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL';
    if (url.protocol === 'http:' && !options.allowHttp) return 'must be an https URL (NODE_ENV=production; DELIVERY_ALLOW_HTTP allows http)';
    const host = hostOf(url);
    if (ipaddr.isValid(host)) {
      const range = addressProblem(host, host);
      return range ? `points at a ${range} address (${host}); deliveries go to public addresses only (DELIVERY_ALLOWED_HOSTS allows others)` : null;
    }
    // RFC 6761: every name under localhost is the machine itself.
    if ((host === 'localhost' || host.endsWith('.localhost')) && !hosts.has(host)) return 'points at this machine (localhost); deliveries go to public addresses only (DELIVERY_ALLOWED_HOSTS allows others)';
    return null;
  }

  /** dns.lookup, refusing every address the policy does not allow: what connections resolve through. */
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    dns.lookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      for (const a of addresses) {
        const range = addressProblem(a.address, hostname.toLowerCase());
        if (range) return callback(new DestinationDenied(range), '', 0);
      }
      if (lookupOptions.all) return (callback as unknown as (e: null, all: dns.LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };

  return {
    lookup,
    staticProblem,

    /**
     * What is wrong with a target's URL, or null: the static checks, then the addresses its
     * name resolves to now (a name that does not resolve yet is allowed: every connection
     * checks again).
     */
    async problem(raw: string): Promise<string | null> {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return 'must be an http or https URL';
      }
      const problem = staticProblem(url);
      if (problem || ipaddr.isValid(hostOf(url))) return problem;
      const host = hostOf(url);
      if (hosts.has(host)) return null;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<dns.LookupAddress[]>((resolve) => (timer = setTimeout(() => resolve([]), RESOLVE_TIMEOUT_MS)));
      const addresses = await Promise.race([dns.promises.lookup(host, { all: true }).catch(() => []), timeout]).finally(() => clearTimeout(timer));
      for (const a of addresses) {
        const range = addressProblem(a.address, host);
        if (range) return `resolves to a ${range} address; deliveries go to public addresses only (DELIVERY_ALLOWED_HOSTS allows others)`;
      }
      return null;
    },
  };
}

export type OutboundPolicy = ReturnType<typeof createOutboundPolicy>;
