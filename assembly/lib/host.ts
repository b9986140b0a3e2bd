// Egress host canonicalization (DESIGN.md "Egress decision") on bytes. Twin of
// control-plane/canon/host.ts; both are held to test/fixtures/hosts.json.
// Only ASCII is lower-cased: any other byte is outside [a-z0-9.-] and rejects the host.
import { ByteBuf } from "../sdk/bytes";
import { formatIp, Ip, parseIPv4, parseIPv6, unmapIPv4 } from "./ip";

export enum HostKind {
  Reject = 0,
  Name = 1,
  Ip = 2,
}

/** The canonical form of an authority. `host` holds the canonical text in both kinds. */
export class CanonicalHost {
  kind: HostKind = HostKind.Reject;
  host: ByteBuf = new ByteBuf(64);
  ip: Ip = new Ip();
  /** 1-65535, or 0 when the authority has no port. */
  port: i32 = 0;
  reason: string = "";

  reject(reason: string): HostKind {
    this.kind = HostKind.Reject;
    this.reason = reason;
    return HostKind.Reject;
  }
}

/** Port digits: 1-65535, no sign, no leading zero; -1 when not canonical. */
function parsePort(src: usize, from: i32, to: i32): i32 {
  const n = to - from;
  if (n == 0 || n > 5 || load<u8>(src + <usize>from) == 48) return -1;
  let value = 0;
  for (let i = from; i < to; i++) {
    const c = <i32>load<u8>(src + <usize>i);
    if (c < 48 || c > 57) return -1;
    value = value * 10 + c - 48;
  }
  return value >= 1 && value <= 65535 ? value : -1;
}

/** WHATWG "ends in a number": the last label is decimal digits or 0x-hex, so resolvers read an IPv4. */
function endsInNumber(host: ByteBuf): bool {
  let start = host.length;
  while (start > 0 && host.at(start - 1) != 46) start--;
  const n = host.length - start;
  if (n == 0) return false;
  let digits = true;
  for (let i = start; i < host.length; i++) {
    const c = host.at(i);
    if (c < 48 || c > 57) digits = false;
  }
  if (digits) return true;
  if (n < 2 || host.at(start) != 48 || host.at(start + 1) != 120) return false;
  for (let i = start + 2; i < host.length; i++) {
    const c = host.at(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** Null when `host` is a valid DNS name, else why not. */
function checkName(host: ByteBuf): string | null {
  if (host.length == 0) return "empty host";
  if (host.length > 253) return "host name over 253 bytes";
  let label = 0;
  for (let i = 0; i <= host.length; i++) {
    const c: u32 = i < host.length ? host.at(i) : 46;
    if (c == 46) {
      if (label == 0) return "empty label in host name";
      if (label > 63) return "label over 63 bytes in host name";
      label = 0;
      continue;
    }
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 45)) {
      return "character outside [a-z0-9.-] in host name (IDNs must be punycode)";
    }
    label++;
  }
  return null;
}

/** The first `size` bytes ASCII lower-cased into `host`, one trailing dot removed. */
function lowerName(src: usize, size: i32, host: ByteBuf): void {
  for (let i = 0; i < size; i++) {
    let c = load<u8>(src + <usize>i);
    if (c >= 65 && c <= 90) c |= 0x20;
    host.push(c);
  }
  if (host.length > 0 && host.at(host.length - 1) == 46) host.truncate(host.length - 1);
}

function canonicalBracketed(src: usize, size: i32, out: CanonicalHost): HostKind {
  let close = 1;
  while (close < size && load<u8>(src + <usize>close) != 93) close++;
  if (close >= size) return out.reject("unclosed [ in host");
  if (!parseIPv6(src, 1, close, out.ip)) return out.reject("invalid IPv6 literal");
  if (close + 1 < size) {
    if (load<u8>(src + <usize>(close + 1)) != 58) return out.reject("junk after IPv6 literal");
    out.port = parsePort(src, close + 2, size);
    if (out.port < 0) return out.reject("invalid port");
  }
  unmapIPv4(out.ip);
  formatIp(out.ip, out.host);
  out.kind = HostKind.Ip;
  return HostKind.Ip;
}

/** Canonicalizes an authority (Host, :authority or SNI): lower case, one trailing dot removed. */
export function canonicalHost(src: usize, size: i32, out: CanonicalHost): HostKind {
  out.host.clear();
  out.port = 0;
  out.ip.version = 0;
  out.reason = "";
  if (size > 0 && load<u8>(src) == 91) return canonicalBracketed(src, size, out);
  let hostEnd = size;
  for (let i = 0; i < size; i++) {
    if (load<u8>(src + <usize>i) == 58) {
      hostEnd = i;
      break;
    }
  }
  if (hostEnd < size) {
    out.port = parsePort(src, hostEnd + 1, size);
    if (out.port < 0) return out.reject("invalid port");
  }
  const host = out.host;
  lowerName(src, hostEnd, host);
  const invalid = checkName(host);
  if (invalid !== null) return out.reject(invalid);
  if (endsInNumber(host)) {
    if (!parseIPv4(host.ptr, 0, host.length, out.ip)) return out.reject("non-canonical IPv4 literal");
    out.kind = HostKind.Ip;
    return HostKind.Ip;
  }
  out.kind = HostKind.Name;
  return HostKind.Name;
}

/**
 * A TLS SNI is a bare host name (RFC 6066): only [a-z0-9.-] after ASCII lower-casing (no port,
 * brackets or IPv6 literal) and not an IPv4 literal. Twin of control-plane/canon/host.ts
 * canonicalSni; both are held to test/fixtures/sni.json.
 */
export function canonicalSni(src: usize, size: i32, out: CanonicalHost): HostKind {
  out.host.clear();
  out.port = 0;
  out.ip.version = 0;
  out.reason = "";
  const host = out.host;
  lowerName(src, size, host);
  const invalid = checkName(host);
  if (invalid !== null) return out.reject("SNI is not a host name: " + invalid);
  if (endsInNumber(host)) return out.reject("SNI is an IP literal");
  out.kind = HostKind.Name;
  return HostKind.Name;
}
