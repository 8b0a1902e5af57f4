import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook may never reach (SSRF): the receiver URL is chosen by an API client, the request is
 * made from inside the platform network. Order matters: the first matching range names the reason.
 * IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are matched against the IPv4 ranges by BlockList itself.
 */
const BLOCKED_RANGES: { cidr: string; reason: string }[] = [
  { cidr: '0.0.0.0/8', reason: 'unspecified ("this network")' },
  { cidr: '127.0.0.0/8', reason: 'loopback' },
  { cidr: '169.254.169.254/32', reason: 'cloud metadata' },
  { cidr: '169.254.0.0/16', reason: 'link-local' },
  { cidr: '10.0.0.0/8', reason: 'private (RFC 1918)' },
  { cidr: '172.16.0.0/12', reason: 'private (RFC 1918)' },
  { cidr: '192.168.0.0/16', reason: 'private (RFC 1918)' },
  { cidr: '100.64.0.0/10', reason: 'carrier-grade NAT (RFC 6598)' },
  { cidr: '192.0.0.0/24', reason: 'IETF protocol assignments' },
  { cidr: '192.0.2.0/24', reason: 'documentation' },
  { cidr: '198.51.100.0/24', reason: 'documentation' },
  { cidr: '203.0.113.0/24', reason: 'documentation' },
  { cidr: '198.18.0.0/15', reason: 'benchmarking' },
  { cidr: '224.0.0.0/4', reason: 'multicast' },
  { cidr: '240.0.0.0/4', reason: 'reserved (incl. broadcast)' },
  { cidr: '::/128', reason: 'unspecified' },
  { cidr: '::1/128', reason: 'loopback' },
  { cidr: 'fd00:ec2::254/128', reason: 'cloud metadata' },
  { cidr: 'fc00::/7', reason: 'unique local (private)' },
  { cidr: 'fe80::/10', reason: 'link-local' },
  { cidr: 'fec0::/10', reason: 'site-local' },
  { cidr: 'ff00::/8', reason: 'multicast' },
  { cidr: '2001:db8::/32', reason: 'documentation' },
  { cidr: '100::/64', reason: 'discard-only' },
  { cidr: '64:ff9b:1::/48', reason: 'local-use NAT64' },
  // Both embed an IPv4 address the ranges above would have to be checked against again.
  { cidr: '::/96', reason: 'IPv4-compatible (deprecated)' },
  { cidr: '2002::/16', reason: '6to4 (embeds an IPv4 address)' },
];

const rules = BLOCKED_RANGES.map(({ cidr, reason }) => {
  const [network, bits] = cidr.split('/') as [string, string];
  const type = isIP(network) === 6 ? 'ipv6' : 'ipv4';
  const list = new BlockList();
  list.addSubnet(network, Number(bits), type);
  return { list, reason };
});

/** Why a webhook may not connect to this IP address, or undefined when it may. */
export function blockedAddressReason(address: string): string | undefined {
  const version = isIP(address);
  if (version === 0) return 'not an IP address';
  const type = version === 6 ? 'ipv6' : 'ipv4';
  for (const rule of rules) {
    if (rule.list.check(address, type)) return rule.reason;
  }
  return undefined;
}

export interface WebhookUrlPolicy {
  /** ROOTWATCH_WEBHOOK_ALLOW_PRIVATE: every address and http:// too (tests, on-premise receivers). */
  allowPrivate: boolean;
}

export class WebhookTargetError extends Error {
  readonly code = 'webhook_url_not_allowed';
  constructor(message: string) {
    super(message);
    this.name = 'WebhookTargetError';
  }
}

/** Checks what can be checked without DNS; returns the parsed URL or throws WebhookTargetError saying why. */
export function parseWebhookUrl(raw: string, { allowPrivate }: WebhookUrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookTargetError('the webhook URL is not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
    throw new WebhookTargetError(
      allowPrivate ? 'the webhook URL must be http:// or https://' : 'the webhook URL must be https://',
    );
  }
  if (url.username || url.password) {
    throw new WebhookTargetError(
      'the webhook URL must not carry credentials; receivers verify the signature',
    );
  }
  const literal = literalAddress(url.hostname);
  if (literal && !allowPrivate) {
    const reason = blockedAddressReason(literal);
    if (reason) throw new WebhookTargetError(`the webhook URL points to a ${reason} address (${literal})`);
  }
  return url;
}

export type LookupAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

export interface WebhookTarget {
  url: URL;
  /** The checked address the connection must use (no second resolution between check and connect). */
  address: string;
  family: 4 | 6;
}

/**
 * Resolves the URL's host and checks every address it resolves to: one blocked address refuses the host
 * (a name answering both a public and a private address would otherwise pass half the time).
 */
export async function resolveWebhookTarget(
  raw: string,
  policy: WebhookUrlPolicy & { lookup: LookupAll },
): Promise<WebhookTarget> {
  const url = parseWebhookUrl(raw, policy);
  const literal = literalAddress(url.hostname);
  let addresses: { address: string; family: number }[];
  if (literal) {
    addresses = [{ address: literal, family: isIP(literal) }];
  } else {
    try {
      addresses = await policy.lookup(url.hostname);
    } catch (error) {
      throw new WebhookTargetError(
        `the webhook host ${url.hostname} does not resolve (${(error as { code?: string }).code ?? 'lookup failed'})`,
      );
    }
  }
  if (addresses.length === 0) throw new WebhookTargetError(`the webhook host ${url.hostname} has no address`);
  if (!policy.allowPrivate) {
    for (const { address } of addresses) {
      const reason = blockedAddressReason(address);
      if (reason) {
        throw new WebhookTargetError(
          `the webhook host ${url.hostname} resolves to a ${reason} address (${address})`,
        );
      }
    }
  }
  const [first] = addresses as [{ address: string; family: number }];
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** The IP address a URL hostname spells literally (IPv6 in brackets), if any. */
function literalAddress(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? bare : undefined;
}
