// Egress host canonicalization (DESIGN.md "Egress decision"). The AssemblyScript twin in
// assembly/lib must agree exactly; both are held to test/fixtures/hosts.json.
import { asciiLower } from './ascii.js';
import { formatIP, parseIPv4, parseIPv6, unmapIPv4, type IP } from './ip.js';

export type CanonicalHost =
  | { ok: true; kind: 'name'; host: string; port: number | null }
  | { ok: true; kind: 'ip'; host: string; ip: IP; port: number | null }
  | { ok: false; reason: string };

function reject(reason: string): CanonicalHost {
  return { ok: false, reason };
}

/** Port digits: 1-65535, no sign, no leading zero. Returns -1 when not canonical. */
function parsePort(text: string): number {
  if (text.length === 0 || text.length > 5 || text.charCodeAt(0) === 48) return -1;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    value = value * 10 + (c - 48);
  }
  return value >= 1 && value <= 65535 ? value : -1;
}

/** WHATWG "ends in a number": the last label is decimal digits or 0x-hex, so resolvers read an IPv4. */
function endsInNumber(host: string): boolean {
  const label = host.slice(host.lastIndexOf('.') + 1);
  return /^[0-9]+$/.test(label) || /^0x[0-9a-f]*$/.test(label);
}

function checkName(host: string): string | null {
  if (host.length === 0) return 'empty host';
  if (host.length > 253) return 'host name over 253 bytes';
  let labelLength = 0;
  for (let i = 0; i <= host.length; i++) {
    const c = i < host.length ? host.charCodeAt(i) : 46;
    if (c === 46) {
      if (labelLength === 0) return 'empty label in host name';
      if (labelLength > 63) return 'label over 63 bytes in host name';
      labelLength = 0;
      continue;
    }
    const valid = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45;
    if (!valid) return 'character outside [a-z0-9.-] in host name (IDNs must be punycode)';
    labelLength++;
  }
  return null;
}

function canonicalBracketed(authority: string): CanonicalHost {
  const close = authority.indexOf(']');
  if (close === -1) return reject('unclosed [ in host');
  const ip6 = parseIPv6(authority.slice(1, close));
  if (!ip6) return reject('invalid IPv6 literal');
  let port: number | null = null;
  const after = authority.slice(close + 1);
  if (after.length > 0) {
    if (after[0] !== ':') return reject('junk after IPv6 literal');
    port = parsePort(after.slice(1));
    if (port < 0) return reject('invalid port');
  }
  const ip = unmapIPv4(ip6);
  return { ok: true, kind: 'ip', host: formatIP(ip), ip, port };
}

/** Canonicalizes an authority (Host or :authority): lower case, one trailing dot removed. */
export function canonicalHost(authority: string): CanonicalHost {
  if (authority.startsWith('[')) return canonicalBracketed(authority);
  let hostText = authority;
  let port: number | null = null;
  const colon = authority.indexOf(':');
  if (colon !== -1) {
    port = parsePort(authority.slice(colon + 1));
    if (port < 0) return reject(authority.indexOf(':', colon + 1) === -1 ? 'invalid port' : 'unbracketed IPv6 or extra colon in host');
    hostText = authority.slice(0, colon);
  }
  let host = asciiLower(hostText);
  if (host.endsWith('.')) host = host.slice(0, -1);
  const invalid = checkName(host);
  if (invalid) return reject(invalid);
  if (endsInNumber(host)) {
    const ip = parseIPv4(host);
    if (!ip) return reject('non-canonical IPv4 literal');
    return { ok: true, kind: 'ip', host, ip, port };
  }
  return { ok: true, kind: 'name', host, port };
}

/**
 * A TLS SNI is a bare host name (RFC 6066): after ASCII lower-casing only [a-z0-9.-], so never a
 * port, brackets or an IPv6 literal, and never an IPv4 literal (a last label that is a number).
 * Canonical as a host: lower case, one trailing dot removed. Held to test/fixtures/sni.json.
 */
export function canonicalSni(sni: string): CanonicalHost {
  let host = asciiLower(sni);
  if (host.endsWith('.')) host = host.slice(0, -1);
  const invalid = checkName(host);
  if (invalid) return reject(`SNI is not a host name: ${invalid}`);
  if (endsInNumber(host)) return reject('SNI is an IP literal');
  return { ok: true, kind: 'name', host, port: null };
}
