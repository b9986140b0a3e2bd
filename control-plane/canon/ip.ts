// Strict IP parsing and CIDR sets. Only canonical text forms are accepted: an address that
// some resolver would read differently (octal, hex, short or integer IPv4) is an error here.

export interface IPv4 { readonly v: 4; readonly value: number }
export interface IPv6 { readonly v: 6; readonly words: Uint16Array }
export type IP = IPv4 | IPv6;

/** Canonical dotted quad only: four decimal parts, 0-255, no leading zeros. */
export function parseIPv4(text: string): IPv4 | null {
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || parts === 4) return null;
      value = value * 256 + part;
      parts++;
      part = 0;
      digits = 0;
      continue;
    }
    if (c < 48 || c > 57) return null;
    if (digits > 0 && part === 0) return null;
    part = part * 10 + (c - 48);
    digits++;
    if (part > 255) return null;
  }
  return parts === 4 ? { v: 4, value: value >>> 0 } : null;
}

function parseGroups(text: string, words: number[]): boolean {
  if (text === '') return true;
  for (const group of text.split(':')) {
    if (group.length === 0 || group.length > 4 || !/^[0-9a-fA-F]+$/.test(group)) return false;
    words.push(parseInt(group, 16));
  }
  return true;
}

/** RFC 4291 text form, with an optional trailing dotted quad; no zone ids. */
export function parseIPv6(text: string): IPv6 | null {
  let body = text;
  const lastColon = body.lastIndexOf(':');
  if (lastColon !== -1 && body.indexOf('.', lastColon) !== -1) {
    const v4 = parseIPv4(body.slice(lastColon + 1));
    if (!v4) return null;
    body = body.slice(0, lastColon + 1) + (v4.value >>> 16).toString(16) + ':' + (v4.value & 0xffff).toString(16);
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const head: number[] = [];
  const rest: number[] = [];
  if (!parseGroups(halves[0]!, head)) return null;
  if (halves.length === 2 && !parseGroups(halves[1]!, rest)) return null;
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const words = new Uint16Array(8);
  words.set(head, 0);
  words.set(rest, 8 - rest.length);
  return { v: 6, words };
}

/**
 * The IPv4 address (and, for a block of `prefix` bits, its IPv4 prefix length) an IPv6 address
 * carries in one of the forms that reach an IPv4 host: IPv4-mapped ::ffff:a.b.c.d, IPv4-translated
 * ::ffff:0:a.b.c.d (RFC 2765), NAT64 64:ff9b::a.b.c.d (RFC 6052), IPv4-compatible ::a.b.c.d (but
 * not :: or ::1) and 6to4
 * 2002:aabb:ccdd::/48 (RFC 3056; a longer 6to4 block is its whole IPv4 address). Null otherwise.
 * The AssemblyScript twin (assembly/lib/ip.ts) is held to test/fixtures/ips.json.
 */
export function embeddedIPv4(w: Uint16Array, prefix = 128): { value: number; prefix: number } | null {
  if (prefix >= 96) {
    const value = ((w[6]! << 16) | w[7]!) >>> 0;
    const zero64 = w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0;
    const zero80 = zero64 && w[4] === 0;
    const translated = zero64 && w[4] === 0xffff && w[5] === 0;
    const nat64 = w[0] === 0x64 && w[1] === 0xff9b && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0;
    const compatible = zero80 && w[5] === 0 && !(prefix >= 127 && value < 2);
    if ((zero80 && w[5] === 0xffff) || translated || nat64 || compatible) return { value, prefix: prefix - 96 };
  }
  if (prefix >= 16 && w[0] === 0x2002) return { value: ((w[1]! << 16) | w[2]!) >>> 0, prefix: Math.min(32, prefix - 16) };
  return null;
}

/** An IPv6 address that carries an IPv4 address (embeddedIPv4) is that IPv4 address. */
export function unmapIPv4(ip: IP): IP {
  if (ip.v === 4) return ip;
  const embedded = embeddedIPv4(ip.words);
  return embedded ? { v: 4, value: embedded.value } : ip;
}

export function parseIP(text: string): IP | null {
  const ip = text.indexOf(':') === -1 ? parseIPv4(text) : parseIPv6(text);
  return ip ? unmapIPv4(ip) : null;
}

export function formatIPv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** RFC 5952: lower case, no leading zeros, the first longest run (≥ 2) of zero groups as `::`. */
export function formatIPv6(words: Uint16Array): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) { bestStart = i; bestLength = j - i; }
    i = j;
  }
  const hex = Array.from(words, (w) => w.toString(16));
  if (bestStart === -1) return hex.join(':');
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLength).join(':');
}

export function formatIP(ip: IP): string {
  return ip.v === 4 ? formatIPv4(ip.value) : formatIPv6(ip.words);
}

export interface Cidr {
  readonly ip: IP;
  readonly prefix: number;
  readonly text: string;
  /** The address had bits set after the prefix length (they are masked off). */
  readonly hostBitsSet: boolean;
}

export function parseCidr(text: string): Cidr | string {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const ip = addressText.indexOf(':') === -1 ? parseIPv4(addressText) : parseIPv6(addressText);
  if (!ip) return `"${addressText}" is not a canonical IP address`;
  const max = ip.v === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const prefixText = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return `prefix length "${prefixText}" is not a number`;
    prefix = Number(prefixText);
    if (prefix > max) return `prefix length ${prefix} is over ${max}`;
  }
  const network = maskIP(ip, prefix);
  const hostBitsSet = !sameIP(ip, network);
  const embedded = network.v === 6 ? embeddedIPv4(network.words, prefix) : null;
  if (embedded) {
    const v4 = maskIP({ v: 4, value: embedded.value }, embedded.prefix);
    return { ip: v4, prefix: embedded.prefix, text, hostBitsSet };
  }
  return { ip: network, prefix, text, hostBitsSet };
}

function maskIP(ip: IP, prefix: number): IP {
  if (ip.v === 4) return { v: 4, value: prefix === 0 ? 0 : (ip.value & (~0 << (32 - prefix))) >>> 0 };
  const words = new Uint16Array(8);
  for (let i = 0; i < 8; i++) {
    const bits = Math.max(0, Math.min(16, prefix - i * 16));
    words[i] = bits === 0 ? 0 : ip.words[i]! & ((0xffff << (16 - bits)) & 0xffff);
  }
  return { v: 6, words };
}

function sameIP(a: IP, b: IP): boolean {
  if (a.v === 4 || b.v === 4) return a.v === 4 && b.v === 4 && a.value === b.value;
  for (let i = 0; i < 8; i++) if (a.words[i] !== b.words[i]) return false;
  return true;
}

export function cidrContains(cidr: Cidr, ip: IP): boolean {
  if (cidr.ip.v !== ip.v) return false;
  return sameIP(maskIP(ip, cidr.prefix), cidr.ip);
}

/** A set of CIDRs with a fast path for IPv4 (mask/value pairs). */
export class CidrSet {
  private readonly v4Masks: Uint32Array;
  private readonly v4Values: Uint32Array;
  private readonly v6: Cidr[];
  readonly size: number;

  constructor(cidrs: readonly Cidr[]) {
    const v4 = cidrs.filter((c) => c.ip.v === 4);
    this.v4Masks = Uint32Array.from(v4, (c) => (c.prefix === 0 ? 0 : (~0 << (32 - c.prefix)) >>> 0));
    this.v4Values = Uint32Array.from(v4, (c) => (c.ip as IPv4).value);
    this.v6 = cidrs.filter((c) => c.ip.v === 6);
    this.size = cidrs.length;
  }

  contains(ip: IP): boolean {
    if (ip.v === 4) {
      for (let i = 0; i < this.v4Masks.length; i++) {
        if (((ip.value & this.v4Masks[i]!) >>> 0) === this.v4Values[i]) return true;
      }
      return false;
    }
    for (const cidr of this.v6) if (cidrContains(cidr, ip)) return true;
    return false;
  }
}
