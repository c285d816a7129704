/**
 * Egress policy, pure: which hosts, addresses and ports a user-supplied destination (SMTP host, token URL) may
 * reach. No DNS here; egress-guard.ts resolves names and applies these rules to every resolved address.
 *
 * Address classes (first match wins):
 *   IPv4  0/8 unspecified · 127/8 loopback · 169.254/16 link-local (169.254.169.254 = cloud metadata) ·
 *         10/8, 172.16/12, 192.168/16 private · 224/4 multicast · 255.255.255.255 broadcast ·
 *         reserved: 100.64/10 (CGNAT, also Alibaba's metadata 100.100.100.200), 192.0.0/24 (IETF, also Oracle's
 *         metadata 192.0.0.192), 192.0.2/24, 198.51.100/24, 203.0.113/24 (documentation), 192.88.99/24 (6to4
 *         relay), 198.18/15 (benchmarking), 240/4 · everything else public.
 *   IPv6  :: unspecified · ::1 loopback · fe80::/10 and fd00:ec2::254 (AWS metadata) link-local · fc00::/7
 *         private · ff00::/8 multicast · ::ffff:0:0/96 (IPv4-mapped), 64:ff9b::/96 (NAT64) and 2002::/16 (6to4)
 *         take the class of the IPv4 address inside · reserved: ::/96 and ::ffff:0:0:0/96 forms (deprecated
 *         IPv4-compatible and SIIT; never public), 64:ff9b:1::/48, 100::/64, 2001::/23 (incl. Teredo),
 *         2001:db8::/32, 3fff::/20, fec0::/10, and everything outside 2000::/3 · the rest of 2000::/3 public.
 * Only public addresses are allowed by default; EGRESS_ALLOW_PRIVATE=true adds exactly the private class (the
 * ranges the API contract names), never loopback, link-local or reserved; EGRESS_ALLOWED_HOSTS entries
 * (names, IPs, CIDRs) are always allowed, on any port.
 *
 * Host literals are read the way getaddrinfo reads them (inet_aton: `127.1`, `0x7f000001`, `2130706433`,
 * `0177.0.0.1`), because a "name" like that never reaches DNS: the resolver turns it straight into 127.0.0.1.
 */
import net from 'node:net';
import type { EgressConfig } from '../config.js';
import { ConfigError } from '../config.js';

export type AddressClass =
  'public' | 'private' | 'loopback' | 'linkLocal' | 'unspecified' | 'multicast' | 'broadcast' | 'reserved';

export interface ClassifiedAddress {
  class: AddressClass;
  /** Why it is special beyond its class, for messages: "the cloud metadata service", "IPv4-mapped 127.0.0.1". */
  note: string | null;
  /** The IPv4 address carried inside an IPv4-mapped, NAT64, 6to4 or compatible IPv6 address. */
  embeddedIPv4: string | null;
}

export type HostLiteral =
  | { kind: 'ip'; address: string; family: 4 | 6 }
  | { kind: 'name'; name: string }
  | { kind: 'invalid'; message: string };

export type EgressPurpose = 'smtp' | 'token';

export type EgressDenialReason = 'port' | 'address' | 'invalidHost' | 'unresolvable';

export interface EgressDenial {
  reason: EgressDenialReason;
  /** What to do, naming the setting to change; no "url:" prefix (callers add their field path). */
  message: string;
}

export const EGRESS_DENIED = 'EGRESS_DENIED';
export const DEFAULT_ALLOWED_PORTS: readonly number[] = [25, 465, 587, 2525];
const PRIVATE_RANGES = '10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7';

// ---------------------------------------------------------------------------------------------- parsing

/** inet_aton (glibc) semantics: 1 to 4 parts, each decimal, 0x-hex or 0-octal; the last part fills the rest. */
export function parseIPv4Loose(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length < 1 || parts.length > 4) return null;
  const values: number[] = [];
  for (const part of parts) {
    let value: number;
    if (/^0x[0-9a-f]+$/i.test(part)) value = parseInt(part.slice(2), 16);
    else if (/^0[0-7]*$/.test(part)) value = part.length === 1 ? 0 : parseInt(part.slice(1), 8);
    else if (/^[1-9][0-9]*$/.test(part)) value = Number(part);
    else return null;
    if (!Number.isSafeInteger(value)) return null;
    values.push(value);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255)) return null;
  const lastBytes = 4 - values.length;
  if (last >= 2 ** (8 * lastBytes)) return null;
  const bytes = [...values];
  for (let i = lastBytes - 1; i >= 0; i -= 1) bytes.push(Math.floor(last / 2 ** (8 * i)) % 256);
  return bytes;
}

/** 16 bytes of a valid IPv6 address (brackets and a %zone allowed), else null. */
export function parseIPv6(text: string): number[] | null {
  const bare = stripBrackets(text).split('%')[0]!;
  if (!net.isIPv6(bare)) return null;
  // A trailing dotted quad (::ffff:127.0.0.1) becomes its two hex groups, so only hex groups remain.
  const groups = bare
    .toLowerCase()
    .replace(
      /(\d+)\.(\d+)\.(\d+)\.(\d+)$/,
      (_m, a: string, b: string, c: string, d: string) =>
        `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`,
    );
  const hexToBytes = (list: string[]): number[] =>
    list.flatMap((g) => {
      const v = parseInt(g, 16);
      return [v >> 8, v & 0xff];
    });
  const [head, rest] = groups.includes('::') ? groups.split('::') : [groups, undefined];
  const headGroups = head ? head.split(':').filter((g) => g !== '') : [];
  const restGroups = rest ? rest.split(':').filter((g) => g !== '') : [];
  const headBytes = hexToBytes(headGroups);
  const restBytes = hexToBytes(restGroups);
  const fill = 16 - headBytes.length - restBytes.length;
  if (fill < 0 || (rest === undefined && fill !== 0)) return null;
  return [...headBytes, ...new Array<number>(fill).fill(0), ...restBytes];
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * What a host string really is, before any DNS: an IP address (in any form the resolver accepts), a name, or
 * something that looks numeric but is no valid address (refused: resolvers disagree on such strings).
 */
export function parseHostLiteral(host: string): HostLiteral {
  const trimmed = host.trim().toLowerCase();
  const bare = stripBrackets(trimmed);
  if (net.isIPv6(bare.split('%')[0]!)) return { kind: 'ip', address: bare, family: 6 };
  const name = bare.endsWith('.') ? bare.slice(0, -1) : bare;
  const ipv4 = parseIPv4Loose(name);
  if (ipv4) return { kind: 'ip', address: ipv4.join('.'), family: 4 };
  // WHATWG's rule: a host whose last label is a number is an IPv4 address or nothing (no TLD is numeric).
  const lastLabel = name.split('.').pop() ?? '';
  if (/^(0x[0-9a-f]*|[0-9]+)$/i.test(lastLabel)) {
    return {
      kind: 'invalid',
      message: `"${host.trim()}" looks like a numeric IP address but is not a valid one; write the address as four decimal numbers (e.g. 203.0.113.25) or use the host name`,
    };
  }
  return { kind: 'name', name };
}

// ----------------------------------------------------------------------------------------- classification

interface V4Range {
  base: [number, number, number, number];
  prefix: number;
  class: AddressClass;
}

const V4_RANGES: V4Range[] = [
  { base: [0, 0, 0, 0], prefix: 8, class: 'unspecified' },
  { base: [10, 0, 0, 0], prefix: 8, class: 'private' },
  { base: [100, 64, 0, 0], prefix: 10, class: 'reserved' },
  { base: [127, 0, 0, 0], prefix: 8, class: 'loopback' },
  { base: [169, 254, 0, 0], prefix: 16, class: 'linkLocal' },
  { base: [172, 16, 0, 0], prefix: 12, class: 'private' },
  { base: [192, 0, 0, 0], prefix: 24, class: 'reserved' },
  { base: [192, 0, 2, 0], prefix: 24, class: 'reserved' },
  { base: [192, 88, 99, 0], prefix: 24, class: 'reserved' },
  { base: [192, 168, 0, 0], prefix: 16, class: 'private' },
  { base: [198, 18, 0, 0], prefix: 15, class: 'reserved' },
  { base: [198, 51, 100, 0], prefix: 24, class: 'reserved' },
  { base: [203, 0, 113, 0], prefix: 24, class: 'reserved' },
  { base: [224, 0, 0, 0], prefix: 4, class: 'multicast' },
  { base: [255, 255, 255, 255], prefix: 32, class: 'broadcast' },
  { base: [240, 0, 0, 0], prefix: 4, class: 'reserved' },
];

const METADATA_V4 = new Set(['169.254.169.254', '100.100.100.200', '192.0.0.192']);
const METADATA_NOTE = 'the cloud metadata service';

function inPrefix(bytes: readonly number[], base: readonly number[], prefix: number): boolean {
  for (let bit = 0; bit < prefix; bit += 8) {
    const i = bit / 8;
    const bits = Math.min(8, prefix - bit);
    const mask = (0xff << (8 - bits)) & 0xff;
    if ((bytes[i]! & mask) !== (base[i]! & mask)) return false;
  }
  return true;
}

function classifyV4(bytes: readonly number[]): ClassifiedAddress {
  const text = bytes.join('.');
  const range = V4_RANGES.find((r) => inPrefix(bytes, r.base, r.prefix));
  return { class: range?.class ?? 'public', note: METADATA_V4.has(text) ? METADATA_NOTE : null, embeddedIPv4: null };
}

function hexPrefix(groups: string, prefix: number): number[] {
  const bytes = parseIPv6(groups)!;
  return bytes.map((b, i) => (i * 8 < prefix ? b : 0));
}

interface V6Range {
  base: number[];
  prefix: number;
  class: AddressClass;
}

// Checked after the special forms below; 2000::/3 minus these is public, everything else reserved.
const V6_RANGES: V6Range[] = [
  { base: hexPrefix('64:ff9b:1::', 48), prefix: 48, class: 'reserved' },
  { base: hexPrefix('100::', 64), prefix: 64, class: 'reserved' },
  { base: hexPrefix('2001::', 23), prefix: 23, class: 'reserved' },
  { base: hexPrefix('2001:db8::', 32), prefix: 32, class: 'reserved' },
  { base: hexPrefix('3fff::', 20), prefix: 20, class: 'reserved' },
  { base: hexPrefix('fc00::', 7), prefix: 7, class: 'private' },
  { base: hexPrefix('fe80::', 10), prefix: 10, class: 'linkLocal' },
  { base: hexPrefix('fec0::', 10), prefix: 10, class: 'reserved' },
  { base: hexPrefix('ff00::', 8), prefix: 8, class: 'multicast' },
  { base: hexPrefix('2000::', 3), prefix: 3, class: 'public' },
];
const AWS_METADATA_V6 = parseIPv6('fd00:ec2::254')!;

function embedded(bytes: readonly number[], kind: string, at: number, publicAs: AddressClass): ClassifiedAddress {
  const v4 = bytes.slice(at, at + 4);
  const inner = classifyV4(v4);
  const text = v4.join('.');
  return {
    class: inner.class === 'public' ? publicAs : inner.class,
    note: `${kind} form of ${text}${inner.note ? `, ${inner.note}` : ''}`,
    embeddedIPv4: text,
  };
}

function classifyV6(bytes: readonly number[]): ClassifiedAddress {
  const zerosUpTo = (n: number): boolean => bytes.slice(0, n).every((b) => b === 0);
  if (zerosUpTo(16)) return { class: 'unspecified', note: null, embeddedIPv4: null };
  if (zerosUpTo(15) && bytes[15] === 1) return { class: 'loopback', note: null, embeddedIPv4: null };
  if (zerosUpTo(10) && bytes[10] === 0xff && bytes[11] === 0xff) return embedded(bytes, 'IPv4-mapped', 12, 'public');
  if (zerosUpTo(12)) return embedded(bytes, 'IPv4-compatible', 12, 'reserved');
  if (zerosUpTo(8) && bytes[8] === 0xff && bytes[9] === 0xff && bytes[10] === 0 && bytes[11] === 0) {
    return embedded(bytes, 'IPv4-translated', 12, 'reserved');
  }
  if (inPrefix(bytes, hexPrefix('64:ff9b::', 96), 96)) return embedded(bytes, 'NAT64', 12, 'public');
  if (inPrefix(bytes, hexPrefix('2002::', 16), 16)) return embedded(bytes, '6to4', 2, 'public');
  if (bytes.every((b, i) => b === AWS_METADATA_V6[i]))
    return { class: 'linkLocal', note: METADATA_NOTE, embeddedIPv4: null };
  const range = V6_RANGES.find((r) => inPrefix(bytes, r.base, r.prefix));
  return { class: range?.class ?? 'reserved', note: null, embeddedIPv4: null };
}

/** The class of an IP address in any form parseHostLiteral accepts; null when it is not an IP address. */
export function classifyAddress(address: string): ClassifiedAddress | null {
  const literal = parseHostLiteral(address);
  if (literal.kind !== 'ip') return null;
  return literal.family === 4 ? classifyV4(parseIPv4Loose(literal.address)!) : classifyV6(parseIPv6(literal.address)!);
}

// ----------------------------------------------------------------------------------------------- policy

export interface EgressPolicy {
  readonly allowPrivate: boolean;
  readonly allowedPorts: readonly number[];
  /** Host names from EGRESS_ALLOWED_HOSTS, lower case, no trailing dot. */
  readonly allowedNames: ReadonlySet<string>;
  /** IPs and CIDRs from EGRESS_ALLOWED_HOSTS. */
  readonly allowedNets: net.BlockList;
}

/** Compiles EGRESS_* settings; a malformed EGRESS_ALLOWED_HOSTS entry stops the boot (ConfigError). */
export function compileEgressPolicy(config: EgressConfig): EgressPolicy {
  const allowedNames = new Set<string>();
  const allowedNets = new net.BlockList();
  // Names the position, not the value: configuration values are never printed.
  const bad = (index: number, why: string): ConfigError =>
    new ConfigError(
      `EGRESS_ALLOWED_HOSTS: entry ${index + 1} ${why}; use host names, IP addresses or CIDRs such as 10.20.0.0/16`,
    );
  for (const [index, raw] of config.allowedHosts.entries()) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry.includes('/')) {
      const [base = '', bits = ''] = entry.split('/');
      const family = net.isIP(stripBrackets(base));
      if (family === 0 || !/^\d+$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128)) {
        throw bad(index, 'is not a valid CIDR');
      }
      allowedNets.addSubnet(stripBrackets(base), Number(bits), family === 4 ? 'ipv4' : 'ipv6');
      continue;
    }
    const literal = parseHostLiteral(entry);
    switch (literal.kind) {
      case 'ip':
        allowedNets.addAddress(literal.address.split('%')[0]!, literal.family === 4 ? 'ipv4' : 'ipv6');
        break;
      case 'name':
        if (!/^[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?$/.test(literal.name)) throw bad(index, 'is not a host name');
        allowedNames.add(literal.name);
        break;
      case 'invalid':
        throw bad(index, 'is neither a valid IP address nor a host name');
      default: {
        const never: never = literal;
        throw new Error(`unknown literal ${JSON.stringify(never)}`);
      }
    }
  }
  return { allowPrivate: config.allowPrivate, allowedPorts: [...config.allowedPorts], allowedNames, allowedNets };
}

export function defaultEgressPolicy(): EgressPolicy {
  return compileEgressPolicy({ allowPrivate: false, allowedHosts: [], allowedPorts: [...DEFAULT_ALLOWED_PORTS] });
}

/** True when the address itself (or the IPv4 address inside it) is listed in EGRESS_ALLOWED_HOSTS. */
export function isAddressListed(policy: EgressPolicy, address: string): boolean {
  const literal = parseHostLiteral(address);
  if (literal.kind !== 'ip') return false;
  const plain = literal.address.split('%')[0]!;
  if (policy.allowedNets.check(plain, literal.family === 4 ? 'ipv4' : 'ipv6')) return true;
  const inner = literal.family === 6 ? classifyV6(parseIPv6(plain)!).embeddedIPv4 : null;
  return inner !== null && policy.allowedNets.check(inner, 'ipv4');
}

/** True when the host as written is listed: by name, or as an IP inside a listed IP or CIDR. */
export function isHostListed(policy: EgressPolicy, host: string): boolean {
  const literal = parseHostLiteral(host);
  switch (literal.kind) {
    case 'name':
      return policy.allowedNames.has(literal.name);
    case 'ip':
      return isAddressListed(policy, literal.address);
    case 'invalid':
      return false;
    default: {
      const never: never = literal;
      throw new Error(`unknown literal ${JSON.stringify(never)}`);
    }
  }
}

const CLASS_TEXT: Record<Exclude<AddressClass, 'public' | 'private'>, string> = {
  loopback: 'a loopback address',
  linkLocal: 'a link-local address',
  unspecified: 'an unspecified address (0.0.0.0/8 or ::)',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved or special-purpose address (such as carrier-grade NAT, benchmarking or documentation ranges)',
};

/**
 * Whether one address may be dialled. `subject` opens the message: the address itself for a literal, or
 * "<name> resolves to" for a resolved name (the resolved address is not echoed, so refusals do not map
 * internal DNS for the caller).
 */
export function checkAddress(policy: EgressPolicy, address: string, subject: string): EgressDenial | null {
  if (isAddressListed(policy, address)) return null;
  const classified = classifyAddress(address);
  if (classified === null) return { reason: 'invalidHost', message: `${subject} is not an IP address` };
  const note = classified.note ? ` (${classified.note})` : '';
  switch (classified.class) {
    case 'public':
      return null;
    case 'private':
      if (policy.allowPrivate) return null;
      return {
        reason: 'address',
        message:
          `${subject} a private-range address${note} (${PRIVATE_RANGES}), which is refused by default; ` +
          'to reach internal relays the operator can set EGRESS_ALLOW_PRIVATE=true, or add this host to EGRESS_ALLOWED_HOSTS',
      };
    case 'loopback':
    case 'linkLocal':
    case 'unspecified':
    case 'multicast':
    case 'broadcast':
    case 'reserved':
      return {
        reason: 'address',
        message:
          `${subject} ${CLASS_TEXT[classified.class]}${note}, which connections may not reach; ` +
          "use the server's public host name, or, if this destination is trusted, ask the operator to add it to EGRESS_ALLOWED_HOSTS",
      };
    default: {
      const never: never = classified.class;
      throw new Error(`unknown address class ${String(never)}`);
    }
  }
}

export function checkPort(policy: EgressPolicy, port: number): EgressDenial | null {
  if (policy.allowedPorts.includes(port)) return null;
  return {
    reason: 'port',
    message:
      `port ${port} is not an allowed SMTP port (allowed: ${policy.allowedPorts.join(', ') || 'none'}); ` +
      'use 587 (STARTTLS) or 465 (implicit TLS), or ask the operator to add the port to EGRESS_ALLOWED_PORTS',
  };
}

function isLocalhostName(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * Everything decidable without DNS: the port (SMTP only; token URLs are limited by OAUTH2_ALLOWED_TOKEN_HOSTS,
 * which may name host:port), numeric literals in every form, and `localhost` names (RFC 6761: always loopback).
 * Null means "not refused yet": a name still needs egress-guard's check of what it resolves to.
 */
export function checkLiteralDestination(
  policy: EgressPolicy,
  host: string,
  port: number,
  purpose: EgressPurpose,
): EgressDenial | null {
  if (isHostListed(policy, host)) return null;
  if (purpose === 'smtp') {
    const portDenial = checkPort(policy, port);
    if (portDenial) return portDenial;
  }
  const literal = parseHostLiteral(host);
  switch (literal.kind) {
    case 'invalid':
      return { reason: 'invalidHost', message: literal.message };
    case 'ip': {
      const shown = host.trim();
      const subject = shown.toLowerCase() === literal.address ? `${shown} is` : `${shown} (${literal.address}) is`;
      return checkAddress(policy, literal.address, subject);
    }
    case 'name':
      return isLocalhostName(literal.name)
        ? {
            reason: 'address',
            message: `${literal.name} always means this machine (loopback), which connections may not reach; if a local relay is intended, ask the operator to add ${literal.name} to EGRESS_ALLOWED_HOSTS`,
          }
        : null;
    default: {
      const never: never = literal;
      throw new Error(`unknown literal ${JSON.stringify(never)}`);
    }
  }
}
