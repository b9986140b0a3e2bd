// CIDR blocks (IPv4 and IPv6) and lists of them, parsed as the TS engine's parseCidr does: a
// canonical address and a prefix without leading zeros; bits after the prefix are masked off
// (the policy validator warns about them); an IPv6 block that carries IPv4 addresses (mapped,
// NAT64, compatible, 6to4: ip.ts embeddedIPv4) becomes the IPv4 block.
import { ByteBuf } from "../sdk/bytes";
import { embeddedIPv4, Ip, parseIPv4, parseIPv6 } from "./ip";

@inline function maskV4(prefix: i32): u32 {
  return prefix == 0 ? 0 : <u32>0xffffffff << <u32>(32 - prefix);
}

/** Mask of the first `bits` bits (0-64) of a 64-bit half. */
@inline function maskHalf(bits: i32): u64 {
  if (bits <= 0) return 0;
  if (bits >= 64) return 0xffffffffffffffff;
  return <u64>0xffffffffffffffff << <u64>(64 - bits);
}

export class Cidr {
  version: i32 = 0;
  prefix: i32 = 0;
  v4: u32 = 0;
  v4Mask: u32 = 0;
  hi: u64 = 0;
  lo: u64 = 0;
  hiMask: u64 = 0;
  loMask: u64 = 0;

  contains(ip: Ip): bool {
    if (ip.version != this.version) return false;
    if (ip.version == 4) return (ip.v4 & this.v4Mask) == this.v4;
    return (ip.hi & this.hiMask) == this.hi && (ip.lo & this.loMask) == this.lo;
  }
}

const address = new Ip();

/** Parses "a.b.c.d/n", "v6/n" or a bare address; null and `error` set when it is not canonical. */
export function parseCidr(text: string, error: ByteBuf): Cidr | null {
  const bytes = ByteBuf.fromString(text);
  const src = bytes.ptr;
  const size = bytes.length;
  const slash = bytes.indexOf(47);
  const addressEnd = slash < 0 ? size : slash;
  let colon = false;
  for (let i = 0; i < addressEnd; i++) if (bytes.at(i) == 58) colon = true;
  const ok = colon ? parseIPv6(src, 0, addressEnd, address) : parseIPv4(src, 0, addressEnd, address);
  if (!ok) {
    error.setString("\"" + text + "\" is not a canonical IP address or CIDR");
    return null;
  }
  const max = address.version == 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const digits = size - slash - 1;
    if (digits < 1 || digits > 3 || (digits > 1 && bytes.at(slash + 1) == 48)) {
      error.setString("\"" + text + "\" has a prefix length that is not a number");
      return null;
    }
    prefix = 0;
    for (let i = slash + 1; i < size; i++) {
      const c = <i32>bytes.at(i);
      if (c < 48 || c > 57) {
        error.setString("\"" + text + "\" has a prefix length that is not a number");
        return null;
      }
      prefix = prefix * 10 + c - 48;
    }
    if (prefix > max) {
      error.setString("\"" + text + "\" has a prefix length over " + max.toString());
      return null;
    }
  }
  const cidr = new Cidr();
  cidr.version = address.version;
  cidr.prefix = prefix;
  if (address.version == 4) {
    cidr.v4Mask = maskV4(prefix);
    cidr.v4 = address.v4 & cidr.v4Mask;
    return cidr;
  }
  address.hi &= maskHalf(prefix);
  address.lo &= maskHalf(prefix - 64);
  const v4Prefix = embeddedIPv4(address, prefix);
  if (v4Prefix >= 0) {
    cidr.version = 4;
    cidr.prefix = v4Prefix;
    cidr.v4Mask = maskV4(v4Prefix);
    cidr.v4 = address.v4 & cidr.v4Mask;
    return cidr;
  }
  cidr.hiMask = maskHalf(prefix);
  cidr.loMask = maskHalf(prefix - 64);
  cidr.hi = address.hi;
  cidr.lo = address.lo;
  return cidr;
}

/**
 * True when `list` is not empty and holds `ip`, or cannot tell: an address that was present
 * but is not an IP (version -1) counts as listed, so a blocklist fails closed (as the TS engine).
 */
export function blocklisted(list: Cidr[], ip: Ip): bool {
  if (list.length == 0) return false;
  return ip.version < 0 || cidrsContain(list, ip);
}

/** True when some block of `list` contains `ip`. */
export function cidrsContain(list: Cidr[], ip: Ip): bool {
  if (ip.version <= 0) return false;
  for (let i = 0; i < list.length; i++) {
    if (unchecked(list[i]).contains(ip)) return true;
  }
  return false;
}
