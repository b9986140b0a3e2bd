// Strict IP parsing and RFC 5952 formatting on bytes. Twin of control-plane/canon/ip.ts:
// only canonical text is an address (no octal, hex, short or integer IPv4; no zone ids).
import { ByteBuf } from "../sdk/bytes";

export class Ip {
  version: i32 = 0;
  v4: u32 = 0;
  /** IPv6 groups 0-3 (big-endian, group 0 in the top 16 bits) and groups 4-7. */
  hi: u64 = 0;
  lo: u64 = 0;

  copyFrom(other: Ip): void {
    this.version = other.version;
    this.v4 = other.v4;
    this.hi = other.hi;
    this.lo = other.lo;
  }

  @inline group(index: i32): u32 {
    const half = index < 4 ? this.hi : this.lo;
    return <u32>((half >> (<u64>(3 - (index & 3)) * 16)) & 0xffff);
  }
}

/** Canonical dotted quad only: four decimal parts 0-255 without leading zeros. */
export function parseIPv4(src: usize, from: i32, to: i32, out: Ip): bool {
  let value: u32 = 0;
  let part: u32 = 0;
  let digits = 0;
  let parts = 0;
  for (let i = from; i <= to; i++) {
    const c: u32 = i < to ? load<u8>(src + <usize>i) : 46;
    if (c == 46) {
      if (digits == 0 || parts == 4) return false;
      value = (value << 8) | part;
      parts++;
      part = 0;
      digits = 0;
      continue;
    }
    if (c < 48 || c > 57) return false;
    if (digits > 0 && part == 0) return false;
    part = part * 10 + (c - 48);
    digits++;
    if (part > 255) return false;
  }
  if (parts != 4) return false;
  out.version = 4;
  out.v4 = value;
  return true;
}

const groups = new StaticArray<u32>(10);
const rewritten = new ByteBuf(64);
const embeddedV4 = new Ip();

@inline function hexValue(c: u32): i32 {
  if (c >= 48 && c <= 57) return <i32>c - 48;
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 102) return <i32>lower - 87;
  return -1;
}

/** Parses ':'-separated 1-4 digit hex groups in [from, to) into groups[at..]; -1 on error. */
function parseGroups(src: usize, from: i32, to: i32, at: i32): i32 {
  if (from == to) return at;
  let value: u32 = 0;
  let digits = 0;
  for (let i = from; i <= to; i++) {
    const c: u32 = i < to ? load<u8>(src + <usize>i) : 58;
    if (c == 58) {
      if (digits == 0 || at >= 8) return -1;
      unchecked(groups[at] = value);
      at++;
      value = 0;
      digits = 0;
      continue;
    }
    const h = hexValue(c);
    if (h < 0 || digits == 4) return -1;
    value = (value << 4) | <u32>h;
    digits++;
  }
  return at;
}

function appendHex(out: ByteBuf, value: u32): void {
  let started = false;
  for (let shift = 12; shift >= 0; shift -= 4) {
    const d = (value >> <u32>shift) & 15;
    if (d == 0 && !started && shift > 0) continue;
    started = true;
    out.push(<u8>(d < 10 ? 48 + d : 87 + d));
  }
}

/** RFC 4291 text, with an optional trailing dotted quad (canonical); no zone id. */
export function parseIPv6(src: usize, from: i32, to: i32, out: Ip): bool {
  let lastColon = -1;
  for (let i = to - 1; i >= from; i--) {
    if (load<u8>(src + <usize>i) == 58) {
      lastColon = i;
      break;
    }
  }
  if (lastColon < 0) return false;
  let dotted = false;
  for (let i = lastColon + 1; i < to; i++) if (load<u8>(src + <usize>i) == 46) dotted = true;
  if (dotted) {
    const v4 = embeddedV4;
    if (!parseIPv4(src, lastColon + 1, to, v4)) return false;
    rewritten.set(src + <usize>from, lastColon + 1 - from);
    appendHex(rewritten, v4.v4 >> 16);
    rewritten.push(58);
    appendHex(rewritten, v4.v4 & 0xffff);
    src = rewritten.ptr;
    from = 0;
    to = rewritten.length;
  }
  let gap = -1;
  for (let i = from; i + 1 < to; i++) {
    if (load<u8>(src + <usize>i) == 58 && load<u8>(src + <usize>(i + 1)) == 58) {
      if (gap >= 0) return false;
      gap = i;
      i++;
    }
  }
  let head: i32;
  let total: i32;
  if (gap < 0) {
    total = parseGroups(src, from, to, 0);
    if (total != 8) return false;
    head = 8;
  } else {
    head = parseGroups(src, from, gap, 0);
    if (head < 0) return false;
    total = parseGroups(src, gap + 2, to, head);
    if (total < 0 || total > 7) return false;
  }
  let hi: u64 = 0;
  let lo: u64 = 0;
  const tail = total - head;
  for (let g = 0; g < 8; g++) {
    let word: u32 = 0;
    if (g < head) word = unchecked(groups[g]);
    else if (g >= 8 - tail) word = unchecked(groups[head + g - (8 - tail)]);
    if (g < 4) hi = (hi << 16) | <u64>word;
    else lo = (lo << 16) | <u64>word;
  }
  out.version = 6;
  out.v4 = 0;
  out.hi = hi;
  out.lo = lo;
  return true;
}

/**
 * The IPv4 prefix length of the IPv4 address an IPv6 block of `prefix` bits carries (written to
 * `ip.v4`), or -1: IPv4-mapped ::ffff:a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d, NAT64 64:ff9b::a.b.c.d, IPv4-compatible ::a.b.c.d
 * (not :: or ::1) and 6to4 2002:aabb:ccdd::/48. Twin of control-plane/canon/ip.ts embeddedIPv4.
 */
export function embeddedIPv4(ip: Ip, prefix: i32): i32 {
  if (ip.version != 6) return -1;
  const top = ip.lo >> 32;
  const value = <u32>(ip.lo & 0xffffffff);
  if (prefix >= 96) {
    const nat64 = ip.hi == 0x0064ff9b00000000 && top == 0;
    const compatible = ip.hi == 0 && top == 0 && !(prefix >= 127 && value < 2);
    if ((ip.hi == 0 && (top == 0xffff || top == 0xffff0000)) || nat64 || compatible) {
      ip.v4 = value;
      return prefix - 96;
    }
  }
  if (prefix >= 16 && (ip.hi >> 48) == 0x2002) {
    ip.v4 = <u32>((ip.hi >> 16) & 0xffffffff);
    return prefix - 16 < 32 ? prefix - 16 : 32;
  }
  return -1;
}

/** An IPv6 address that carries an IPv4 address (embeddedIPv4) becomes that IPv4 address. */
export function unmapIPv4(ip: Ip): void {
  if (embeddedIPv4(ip, 128) >= 0) {
    ip.version = 4;
    ip.hi = 0;
    ip.lo = 0;
  }
}

/** An IPv4 or IPv6 literal (IPv6 when it has a ':'), IPv4-mapped IPv6 read as IPv4. */
export function parseIp(src: usize, from: i32, to: i32, out: Ip): bool {
  let colon = false;
  for (let i = from; i < to; i++) if (load<u8>(src + <usize>i) == 58) colon = true;
  const ok = colon ? parseIPv6(src, from, to, out) : parseIPv4(src, from, to, out);
  if (ok) unmapIPv4(out);
  return ok;
}

/**
 * The IP of an Envoy address property: "1.2.3.4:80" or "[::1]:80" (a bare IP also works).
 * False for anything else (a pipe path, an empty value).
 */
export function parseSocketAddress(src: usize, size: i32, out: Ip): bool {
  if (size == 0) return false;
  if (load<u8>(src) == 91) {
    let close = 1;
    while (close < size && load<u8>(src + <usize>close) != 93) close++;
    if (close >= size) return false;
    if (close + 1 < size && load<u8>(src + <usize>(close + 1)) != 58) return false;
    if (!parseIPv6(src, 1, close, out)) return false;
    unmapIPv4(out);
    return true;
  }
  let colon = size - 1;
  while (colon >= 0 && load<u8>(src + <usize>colon) != 58) colon--;
  return parseIp(src, 0, colon < 0 ? size : colon, out);
}

/** The port of "host:port" / "[v6]:port" (1-65535), or 0 when there is none. */
export function socketAddressPort(src: usize, size: i32): i32 {
  let colon = size - 1;
  while (colon >= 0) {
    const c = load<u8>(src + <usize>colon);
    if (c == 58) break;
    if (c == 93) return 0;
    colon--;
  }
  if (colon < 0 || colon == size - 1 || size - colon - 1 > 5) return 0;
  let port = 0;
  for (let i = colon + 1; i < size; i++) {
    const c = <i32>load<u8>(src + <usize>i);
    if (c < 48 || c > 57) return 0;
    port = port * 10 + c - 48;
  }
  return port >= 1 && port <= 65535 ? port : 0;
}

/** Dotted quad, or RFC 5952 text: lower case, no leading zeros, first longest zero run as "::". */
export function formatIp(ip: Ip, out: ByteBuf): void {
  out.clear();
  if (ip.version == 4) {
    for (let i = 3; i >= 0; i--) {
      out.appendDecimal((ip.v4 >> (<u32>i * 8)) & 255);
      if (i > 0) out.push(46);
    }
    return;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (ip.group(i) != 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && ip.group(j) == 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  for (let i = 0; i < 8; i++) {
    if (i == bestStart) {
      out.push(58);
      out.push(58);
      i += bestLength - 1;
      continue;
    }
    if (out.length > 0 && out.at(out.length - 1) != 58) out.push(58);
    appendHex(out, ip.group(i));
  }
}
