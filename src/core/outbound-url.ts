/**
 * Which addresses the server may call for a shop (API.md "Outbound URLs"): a shop's `webhookUrl`, and any
 * later URL Plusone itself requests on a shop's behalf. Pure: the same rules are applied to the URL when
 * it is saved and to every address its host resolves to when a delivery connects.
 *
 * Only public unicast addresses are allowed. Loopback, private, link-local, unique-local and CGNAT
 * addresses are "private": refused unless the operator allows private targets (local development and
 * tests). Unspecified, multicast, broadcast and reserved addresses (documentation, benchmarking, 240/4,
 * unassigned IPv6) are never a webhook receiver and stay refused even then. IPv6 forms that carry an IPv4
 * address (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4
 * `2002::/16`) are judged by the IPv4 address they carry.
 */

export type AddressClass =
  'public' | 'loopback' | 'private' | 'link_local' | 'unique_local' | 'cgnat' | 'unspecified' | 'multicast' | 'broadcast' | 'reserved';

/** The classes `PLUSONE_ALLOW_PRIVATE_WEBHOOKS=1` lets through. */
const PRIVATE_CLASSES: ReadonlySet<AddressClass> = new Set(['loopback', 'private', 'link_local', 'unique_local', 'cgnat']);

export interface OutboundPolicy {
  /** Allow loopback, private, link-local, unique-local and CGNAT targets (never in production). */
  readonly allowPrivate: boolean;
}

/** Whether an address of this class may be called under the policy. */
export function addressAllowed(kind: AddressClass, policy: OutboundPolicy): boolean {
  return kind === 'public' || (policy.allowPrivate && PRIVATE_CLASSES.has(kind));
}

/** `a.b.c.d` (four decimal parts, as URL parsing and DNS answers write it) → 32-bit number, else null. */
export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    value = value * 256 + Number(part);
  }
  return value;
}

/** An IPv6 literal (no brackets; a zone `%eth0` is ignored) → its eight 16-bit groups, else null. */
export function parseIpv6(text: string): number[] | null {
  const address = text.replace(/%.*$/, '').toLowerCase();
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (half: string): number[] | null => {
    if (half === '') return [];
    const groups: number[] = [];
    const pieces = half.split(':');
    for (const [index, piece] of pieces.entries()) {
      const v4 = index === pieces.length - 1 && piece.includes('.') ? parseIpv4(piece) : null;
      if (v4 !== null) groups.push(Math.floor(v4 / 65536), v4 % 65536);
      else if (/^[0-9a-f]{1,4}$/.test(piece)) groups.push(parseInt(piece, 16));
      else return null;
    }
    return groups;
  };
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (!head || !tail) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...new Array<number>(missing).fill(0), ...tail] : null;
}

/** [first address, prefix length, class] — checked in order, so more specific ranges come first. */
const IPV4_RANGES: ReadonlyArray<readonly [string, number, AddressClass]> = [
  ['255.255.255.255', 32, 'broadcast'],
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'cgnat'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link_local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

const COMPILED_IPV4 = IPV4_RANGES.map(([first, prefix, kind]) => {
  const size = 2 ** (32 - prefix);
  return { start: parseIpv4(first) ?? 0, size, kind };
});

export function classifyIpv4(value: number): AddressClass {
  for (const range of COMPILED_IPV4) {
    if (value >= range.start && value < range.start + range.size) return range.kind;
  }
  return 'public';
}

function embeddedIpv4(high: number, low: number): AddressClass {
  return classifyIpv4(high * 65536 + low);
}

export function classifyIpv6(groups: readonly number[]): AddressClass {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  const zeroTo = (count: number) => groups.slice(0, count).every((group) => group === 0);
  if (zeroTo(8)) return 'unspecified';
  if (zeroTo(7) && g7 === 1) return 'loopback';
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated): the IPv4 address decides.
  if (zeroTo(5) && (g5 === 0xffff || g5 === 0)) return embeddedIpv4(g6, g7);
  // NAT64 well-known prefix 64:ff9b::/96 carries the IPv4 address; 64:ff9b:1::/48 is for local use.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return embeddedIpv4(g6, g7);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return 'private';
  // 6to4 2002:AABB:CCDD::/48 routes to the IPv4 address AABB:CCDD.
  if (g0 === 0x2002) return embeddedIpv4(g1, g2);
  if ((g0 & 0xfe00) === 0xfc00) return 'unique_local';
  if ((g0 & 0xffc0) === 0xfe80) return 'link_local';
  // Site-local (fec0::/10) is deprecated but still routed inside some networks.
  if ((g0 & 0xffc0) === 0xfec0) return 'private';
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  // 2001::/23 (Teredo, benchmarking, ORCHID…) and 2001:db8::/32 (documentation).
  if (g0 === 0x2001 && (g1 < 0x200 || g1 === 0xdb8)) return 'reserved';
  // Only 2000::/3 is global unicast; the rest (100::/64 discard included) is unassigned or special.
  return (g0 & 0xe000) === 0x2000 ? 'public' : 'reserved';
}

/** The class of an IPv4 or IPv6 literal, or null when `address` is not one. */
export function classifyAddress(address: string): AddressClass | null {
  const v4 = parseIpv4(address);
  if (v4 !== null) return classifyIpv4(v4);
  const v6 = address.includes(':') ? parseIpv6(address) : null;
  return v6 ? classifyIpv6(v6) : null;
}

/** Names that never lead to a public host: RFC 6761/6762 special-use and common internal suffixes. */
const INTERNAL_SUFFIXES = ['localhost', 'local', 'internal', 'localdomain', 'home.arpa'];

export type OutboundUrlCheck =
  | {
      readonly ok: true;
      readonly url: URL;
      readonly host: { readonly kind: 'address'; readonly address: string } | { readonly kind: 'name'; readonly name: string };
    }
  | { readonly ok: false; readonly reason: string };

function refused(reason: string): OutboundUrlCheck {
  return { ok: false, reason };
}

/**
 * Whether the server may send requests to `text` under `policy`, judged on the URL alone (a host name is
 * judged again, on every address it resolves to, when a request connects). WHATWG URL parsing turns the
 * decimal, octal and hex IPv4 spellings (`http://2130706433/`, `http://0x7f.1/`) into `127.0.0.1` first.
 */
export function checkOutboundUrl(text: string, policy: OutboundPolicy): OutboundUrlCheck {
  if (!URL.canParse(text)) return refused('it is not a URL');
  const url = new URL(text);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return refused('only http and https URLs are allowed');
  // Credentials in the URL would be sent to the receiver and kept in delivery logs: use the signature.
  if (url.username !== '' || url.password !== '') return refused('a URL must not carry a user name or password');
  if (url.port === '0') return refused('port 0 is not a port');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const kind = classifyAddress(host);
  if (kind !== null) {
    return addressAllowed(kind, policy)
      ? { ok: true, url, host: { kind: 'address', address: host } }
      : refused(`${kind.replace('_', '-')} addresses are not allowed`);
  }
  const name = host.replace(/\.$/, '');
  const internal = !name.includes('.') || INTERNAL_SUFFIXES.some((suffix) => name === suffix || name.endsWith(`.${suffix}`));
  if (internal && !policy.allowPrivate) return refused(`${name} is not a public host name`);
  return { ok: true, url, host: { kind: 'name', name } };
}

/** A DNS answer: every address a host name resolves to (like `dns.lookup` with `all: true`). */
export type ResolveHost = (hostname: string) => Promise<ReadonlyArray<{ readonly address: string; readonly family: number }>>;

/** What outbound requests for shops need: the policy, and the resolver whose answers are checked and used. */
export interface OutboundTargets extends OutboundPolicy {
  readonly resolve: ResolveHost;
}
