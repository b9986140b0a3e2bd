// The edges of control-plane/canon/ (and the DNS-tunnelling heuristics) that the shared fixture
// tables do not reach: ASCII-only case folding, the echo limit, the body rule for text bodies,
// SPIFFE IDs and principal patterns, source sets, non-canonical IPs and CIDR edges, and the reason
// each rejection gives (operators read it in deny reasons and `explain`).
import { describe, expect, it } from 'vitest';
import { asciiLower } from '../../control-plane/canon/ascii.js';
import { bodyText, bodyTextOf, MAX_BODY_BYTES } from '../../control-plane/canon/body.js';
import { echo, echoOrNull, MAX_ECHO } from '../../control-plane/canon/echo.js';
import { SourceSet } from '../../control-plane/canon/source-set.js';
import { canonicalHost, canonicalSni } from '../../control-plane/canon/host.js';
import { cidrContains, CidrSet, formatIP, parseCidr, parseIP, type Cidr } from '../../control-plane/canon/ip.js';
import { normalizePath } from '../../control-plane/canon/path.js';
import { dnsTunnelSuspicion, labelEntropy } from '../../control-plane/engine/dns-tunnel.js';
import { checkPrincipalPattern, identityNamespace, isValidTrustDomain, kubernetesNamespace, parseSpiffeId, workloadIdentity } from '../../control-plane/canon/spiffe.js';

describe('asciiLower', () => {
  it.each([
    ['', ''], ['abc', 'abc'], ['ABC', 'abc'], ['aBc-Z9', 'abc-z9'], ['@[`{', '@[`{'], ['Z', 'z'], ['A', 'a'],
    ['\u212Aey.COM', '\u212Aey.com'], ['\u0130X', '\u0130x'], ['ÄÖ', 'ÄÖ'], ['xY', 'xy'], ['Yx', 'yx'],
  ])('%j → %j (only A-Z fold)', (input, expected) => {
    expect(asciiLower(input)).toBe(expected);
  });

  it('returns the same string when nothing folds', () => {
    const s = 'already-lower.example';
    expect(asciiLower(s)).toBe(s);
  });
});

describe('echo', () => {
  it('keeps a value up to the limit whole', () => {
    expect(MAX_ECHO).toBe(256);
    expect(echo('x'.repeat(256))).toBe('x'.repeat(256));
    expect(echo('abc', 3)).toBe('abc');
  });

  it('cuts a longer value and says how much more there was', () => {
    expect(echo('x'.repeat(257))).toBe(`${'x'.repeat(256)}…(1 more)`);
    expect(echo('abcdef', 4)).toBe('abcd…(2 more)');
  });

  it('never cuts a surrogate pair in half', () => {
    const text = 'abc\u{1F600}def';
    expect(echo(text, 4)).toBe('abc…(5 more)');
    expect(echo(text, 5)).toBe('abc\u{1F600}…(3 more)');
    expect(echo(text, 3)).toBe('abc…(5 more)');
  });

  it('passes absence through', () => {
    expect(echoOrNull(null)).toBeNull();
    expect(echoOrNull(undefined)).toBeNull();
    expect(echoOrNull('')).toBe('');
    expect(echoOrNull('y'.repeat(300))).toBe(`${'y'.repeat(256)}…(44 more)`);
  });
});

describe('the body rule for text bodies', () => {
  it('keeps a short text as it is', () => {
    expect(bodyTextOf('a=1&b=ü')).toBe('a=1&b=ü');
  });

  it('reads only the first 16 KiB of bytes', () => {
    expect(MAX_BODY_BYTES).toBe(16384);
    expect(bodyTextOf('a'.repeat(MAX_BODY_BYTES + 10))).toBe('a'.repeat(MAX_BODY_BYTES));
    expect(bodyTextOf('a'.repeat(MAX_BODY_BYTES))).toBe('a'.repeat(MAX_BODY_BYTES));
    // 5,461 three-byte characters are 16,383 bytes: the text fits whole.
    const fits = '€'.repeat(5461);
    expect(bodyTextOf(fits)).toBe(fits);
  });

  it('turns a multi-byte character the cap cuts into one U+FFFD', () => {
    // 2 + 5,461 × 3 = 16,385 bytes: the cap keeps two of the last character's three bytes.
    const text = 'ab' + '€'.repeat(5461);
    expect(bodyTextOf(text) === 'ab' + '€'.repeat(5460) + '\uFFFD').toBe(true);
  });

  it('sends a lone surrogate as U+FFFD, as its UTF-8 bytes do', () => {
    expect(bodyTextOf('a\uD800b')).toBe('a\uFFFDb');
  });

  it('keeps a leading byte order mark', () => {
    expect(bodyText(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]))).toBe('\uFEFFa');
  });
});

describe('SPIFFE IDs', () => {
  it('bounds trust domains to 1-255 characters of [a-z0-9._-]', () => {
    expect(isValidTrustDomain('')).toBe(false);
    expect(isValidTrustDomain('a'.repeat(255))).toBe(true);
    expect(isValidTrustDomain('a'.repeat(256))).toBe(false);
    expect(isValidTrustDomain('Cluster.local')).toBe(false);
    expect(isValidTrustDomain('x_y-z.0')).toBe(true);
    expect(isValidTrustDomain('a/b')).toBe(false);
  });

  it('bounds the whole ID to 2048 characters', () => {
    const base = 'spiffe://td/';
    expect(parseSpiffeId(base + 'x'.repeat(2048 - base.length))).not.toBeNull();
    expect(parseSpiffeId(base + 'x'.repeat(2049 - base.length))).toBeNull();
  });

  it('parses the trust domain and the path segments', () => {
    expect(parseSpiffeId('spiffe://td')).toEqual({ trustDomain: 'td', segments: [] });
    expect(parseSpiffeId('spiffe://td/a/.b/..c')).toEqual({ trustDomain: 'td', segments: ['a', '.b', '..c'] });
    for (const bad of ['spiffe://td/', 'spiffe://td/a/', 'spiffe://td//a', 'spiffe://td/./a', 'spiffe://td/a/..', 'spiffe://', 'spiffe:///a', 'SPIFFE://td/a', 'spiffe://td/a b', 'spiffe://td/a%2f']) {
      expect(parseSpiffeId(bad), bad).toBeNull();
    }
  });

  it('finds the namespace of a Kubernetes identity of the trust domain only', () => {
    expect(workloadIdentity('td', 'shop', 'api')).toBe('spiffe://td/ns/shop/sa/api');
    expect(identityNamespace('spiffe://td/ns/shop/sa/api', 'td')).toBe('shop');
    expect(identityNamespace('spiffe://other/ns/shop/sa/api', 'td')).toBeNull();
    expect(identityNamespace('spiffe://td/ns/shop/sa/api/x', 'td')).toBeNull();
    expect(identityNamespace('spiffe://td/ns/shop/x/api', 'td')).toBeNull();
    expect(identityNamespace('spiffe://td/x/shop/sa/api', 'td')).toBeNull();
    expect(identityNamespace('spiffe://td/ns/shop', 'td')).toBeNull();
    expect(identityNamespace('spiffe://td/ns/../sa/api', 'td')).toBeNull();
    expect(kubernetesNamespace({ trustDomain: 'td', segments: ['ns', 'a', 'sa', 'b'] }, 'td')).toBe('a');
  });

  it.each([
    ['*', null],
    ['spiffe://td/ns/a/sa/b', null],
    ['spiffe://td/ns/a/*', null],
    ['spiffe://td/*', null],
    ['spiffe://*', null],
    ['spiffe://td*', null],
    ['spiffe://td/ns/a', null],
    ['spiffe://td/ns//sa/b', '"spiffe://td/ns//sa/b" is not a valid SPIFFE ID (spiffe://<trust-domain>/<path>)'],
    ['spiffe://td/*/sa/*', '"spiffe://td/*/sa/*": "*" may only end a principal pattern'],
    ['td/ns/*', '"td/ns/*" must start with spiffe://'],
    ['spiffe://TD/*', '"spiffe://TD/*" is not the prefix of a valid SPIFFE ID'],
    ['spiffe://td//*', '"spiffe://td//*" is not the prefix of a valid SPIFFE ID'],
  ])('principal pattern %j', (pattern, error) => {
    expect(checkPrincipalPattern(pattern)).toBe(error);
  });
});

describe('source sets', () => {
  it('are empty only without identities, namespaces and prefixes', () => {
    expect(new SourceSet('td', [], [], []).empty).toBe(true);
    expect(new SourceSet('td', ['spiffe://td/a'], [], []).empty).toBe(false);
    expect(new SourceSet('td', [], ['ns'], []).empty).toBe(false);
    expect(new SourceSet('td', [], [], ['spiffe://td/']).empty).toBe(false);
  });

  it('admit anyone exactly when a prefix is empty (a * principal)', () => {
    expect(new SourceSet('td', [], [], ['']).admitsAnyone).toBe(true);
    expect(new SourceSet('td', [], [], ['spiffe://']).admitsAnyone).toBe(false);
    expect(new SourceSet('td', [], ['ns'], []).admitsAnyone).toBe(false);
  });

  it('admit nothing when empty, and only well-formed IDs through a prefix', () => {
    const empty = new SourceSet('td', [], [], []);
    expect(empty.admits('spiffe://td/ns/a/sa/b')).toBe(false);
    expect(empty.admits('')).toBe(false);
    const anyone = new SourceSet('td', [], [], ['']);
    expect(anyone.admits('spiffe://td/ns/a/sa/b')).toBe(true);
    expect(anyone.admits('spiffe://td/ns/a/sa/b/..')).toBe(false);
    expect(anyone.admits('')).toBe(false);
  });

  it('are frozen', () => {
    const set = new SourceSet('td', ['spiffe://td/a'], ['ns'], ['spiffe://td/']);
    expect(Object.isFrozen(set)).toBe(true);
    expect(Object.isFrozen(set.prefixes)).toBe(true);
  });
});

describe('IP parsing rejects every non-canonical form', () => {
  it.each([
    '', '1.2.3', '1.2.3.4.5', '1..2.3', '.1.2.3', '1.2.3.', '01.2.3.4', '256.1.1.1', '1.2.3.4a', '1.2.3.-1', '1.2.3./',
    '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1::2::3', 'g::1', '12345::1', ':1:2:3:4:5:6:7', '1:2:3:4:5:6:7:',
    '::1.2.3', '::1.2.3.4.5', '1:2:3:4::5:6:7:8', '1:2:3:4:5:6:7::8', 'fe80::1g', 'g1::1', 'fe80::1%eth0',
  ])('%j', (text) => {
    expect(parseIP(text)).toBeNull();
  });

  it.each([
    ['1:2:3:4:5:6::7', '1:2:3:4:5:6:0:7'],
    ['::1:2:3:4:5:6:7', '0:1:2:3:4:5:6:7'],
    ['1::ffff:102:304', '1::ffff:102:304'],
    ['0:1::ffff:102:304', '0:1::ffff:102:304'],
    ['0:0:1::ffff:102:304', '::1:0:0:ffff:102:304'],
    ['0:0:0:1::ffff:102:304', '::1:0:ffff:102:304'],
    ['::1:ffff:102:304', '::1:ffff:102:304'],
    ['::ffff:1:102:304', '::ffff:1:102:304'],
    ['::1:102:304', '::1:102:304'],
    ['65:ff9b::102:304', '65:ff9b::102:304'],
    ['64:ff9a::102:304', '64:ff9a::102:304'],
    ['64:ff9b:0:1::102:304', '64:ff9b:0:1::102:304'],
    ['64:ff9b::1:0:102:304', '64:ff9b::1:0:102:304'],
    ['64:ff9b::1:102:304', '64:ff9b::1:102:304'],
    ['64:ff9b::102:304', '1.2.3.4'],
    ['::ffff:0:102:304', '1.2.3.4'],
  ])('%j is %j (only the documented forms carry an IPv4 address)', (text, expected) => {
    expect(formatIP(parseIP(text)!)).toBe(expected);
  });
});

describe('CIDR edges', () => {
  const cidr = (text: string): { ip: string; prefix: number; hostBitsSet: boolean } | string => {
    const c = parseCidr(text);
    return typeof c === 'string' ? c : { ip: formatIP(c.ip), prefix: c.prefix, hostBitsSet: c.hostBitsSet };
  };

  it.each([
    ['192.0.2.1', { ip: '192.0.2.1', prefix: 32, hostBitsSet: false }],
    ['2001:db8::1', { ip: '2001:db8::1', prefix: 128, hostBitsSet: false }],
    ['10.0.0.1/24', { ip: '10.0.0.0', prefix: 24, hostBitsSet: true }],
    ['10.0.0.0/24', { ip: '10.0.0.0', prefix: 24, hostBitsSet: false }],
    ['2001:db8::1/64', { ip: '2001:db8::', prefix: 64, hostBitsSet: true }],
    ['2001:db8::/64', { ip: '2001:db8::', prefix: 64, hostBitsSet: false }],
    ['0.0.0.0/0', { ip: '0.0.0.0', prefix: 0, hostBitsSet: false }],
    ['::ffff:0.0.0.0/96', { ip: '0.0.0.0', prefix: 0, hostBitsSet: false }],
    ['::ffff:192.0.2.0/120', { ip: '192.0.2.0', prefix: 24, hostBitsSet: false }],
    ['::/96', { ip: '0.0.0.0', prefix: 0, hostBitsSet: false }],
    ['::/127', { ip: '::', prefix: 127, hostBitsSet: false }],
    ['::/128', { ip: '::', prefix: 128, hostBitsSet: false }],
    ['2002::/16', { ip: '0.0.0.0', prefix: 0, hostBitsSet: false }],
    ['2002:c000:200::/40', { ip: '192.0.2.0', prefix: 24, hostBitsSet: false }],
    ['2002::/15', { ip: '2002::', prefix: 15, hostBitsSet: false }],
    ['10.0.0.0/33', 'prefix length 33 is over 32'],
    ['::/129', 'prefix length 129 is over 128'],
    ['10.0.0.0/024', 'prefix length "024" is not a number'],
    ['10.0.0.0/24x', 'prefix length "24x" is not a number'],
    ['10.0.0.0/x24', 'prefix length "x24" is not a number'],
    ['10.0.0.0/', 'prefix length "" is not a number'],
    ['10.0.0/8', '"10.0.0" is not a canonical IP address'],
    ['010.0.0.0/8', '"010.0.0.0" is not a canonical IP address'],
  ])('%j', (text, expected) => {
    expect(cidr(text)).toEqual(expected);
  });

  it('a /0 holds every address of its version, in a set too', () => {
    const all4 = parseCidr('0.0.0.0/0') as Cidr;
    const all6 = parseCidr('::/0') as Cidr;
    const set = new CidrSet([all4]);
    for (const text of ['1.2.3.4', '255.255.255.255', '0.0.0.0']) {
      expect(set.contains(parseIP(text)!), text).toBe(true);
      expect(cidrContains(all4, parseIP(text)!), text).toBe(true);
    }
    expect(set.contains(parseIP('2001:db8::1')!)).toBe(false);
    expect(new CidrSet([all6]).contains(parseIP('2001:db8::1')!)).toBe(true);
    expect(new CidrSet([all6]).contains(parseIP('1.2.3.4')!)).toBe(false);
    expect(new CidrSet([]).contains(parseIP('1.2.3.4')!)).toBe(false);
    expect(new CidrSet([all4, all6]).size).toBe(2);
  });
});

describe('host canonicalization says why it rejects', () => {
  const reason = (authority: string): string | { host: string; kind: string; port: number | null } => {
    const h = canonicalHost(authority);
    return h.ok ? { host: h.host, kind: h.kind, port: h.port } : h.reason;
  };

  it.each([
    ['', 'empty host'],
    ['a'.repeat(254), 'host name over 253 bytes'],
    ['a..b', 'empty label in host name'],
    ['.a', 'empty label in host name'],
    [`${'a'.repeat(64)}.com`, 'label over 63 bytes in host name'],
    ['a_b.com', 'character outside [a-z0-9.-] in host name (IDNs must be punycode)'],
    ['[::1', 'unclosed [ in host'],
    ['[zz]', 'invalid IPv6 literal'],
    ['[::1]x', 'junk after IPv6 literal'],
    ['[::1]:', 'invalid port'],
    ['[::1]:0', 'invalid port'],
    ['[::1]:65536', 'invalid port'],
    ['a.com:', 'invalid port'],
    ['a.com:0', 'invalid port'],
    ['a.com:08', 'invalid port'],
    ['a.com:65536', 'invalid port'],
    ['a.com:100000', 'invalid port'],
    ['a.com:+80', 'invalid port'],
    ['a:b:c', 'unbracketed IPv6 or extra colon in host'],
    ['::1', 'unbracketed IPv6 or extra colon in host'],
    ['a.com:80:', 'unbracketed IPv6 or extra colon in host'],
    ['1.2.3.256', 'non-canonical IPv4 literal'],
    ['0x7f.1', 'non-canonical IPv4 literal'],
  ])('%j: %s', (authority, expected) => {
    expect(reason(authority)).toBe(expected);
  });

  it.each([
    ['a.com:1', { host: 'a.com', kind: 'name', port: 1 }],
    ['a.com:65535', { host: 'a.com', kind: 'name', port: 65535 }],
    ['a.com:8090', { host: 'a.com', kind: 'name', port: 8090 }],
    ['[::1]:1', { host: '::1', kind: 'ip', port: 1 }],
    ['[::1]:65535', { host: '::1', kind: 'ip', port: 65535 }],
    ['[::ffff:1.2.3.4]', { host: '1.2.3.4', kind: 'ip', port: null }],
    ['A.Example.', { host: 'a.example', kind: 'name', port: null }],
    ['1.2.3.4:80', { host: '1.2.3.4', kind: 'ip', port: 80 }],
  ])('%j', (authority, expected) => {
    expect(reason(authority)).toEqual(expected);
  });

  it.each([
    ['Api.Example.', { ok: true, kind: 'name', host: 'api.example', port: null }],
    ['a_b', { ok: false, reason: 'SNI is not a host name: character outside [a-z0-9.-] in host name (IDNs must be punycode)' }],
    ['', { ok: false, reason: 'SNI is not a host name: empty host' }],
    ['1.2.3.4', { ok: false, reason: 'SNI is an IP literal' }],
    ['a.com:443', { ok: false, reason: 'SNI is not a host name: character outside [a-z0-9.-] in host name (IDNs must be punycode)' }],
  ])('SNI %j', (sni, expected) => {
    expect(canonicalSni(sni)).toEqual(expected);
  });
});

describe('path normalization says why it rejects', () => {
  it.each([
    ['/a\\b', 'raw backslash in path'],
    ['/a\u0001', 'raw control character in path'],
    ['/a\u0001?b', 'raw control character in path'],
    ['/a?b\u0001', 'raw control character in query'],
    ['/a?\u007f', 'raw control character in query'],
    ['/a%2', 'malformed percent escape'],
    ['/a%4', 'malformed percent escape'],
    ['/a%4?1', 'malformed percent escape'],
    ['/a%zz', 'malformed percent escape'],
    ['/a%@1', 'malformed percent escape'],
    ['/a%`1', 'malformed percent escape'],
    ['/a%1g', 'malformed percent escape'],
    ['/a%00', 'encoded control character in path'],
    ['/a%01', 'encoded control character in path'],
    ['/a%7F', 'encoded control character in path'],
    ['/a%2F', 'encoded slash or backslash in path'],
    ['/a%5c', 'encoded slash or backslash in path'],
    ['a', 'path does not start with /'],
    ['', 'path does not start with /'],
    ['?x', 'path does not start with /'],
    ['/a#b', 'fragment in path'],
    ['/.;/x', 'dot segment with a path parameter'],
    ['/..%3Bx/y', 'dot segment with a path parameter'],
  ])('%j: %s', (raw, reason) => {
    expect(normalizePath(raw)).toEqual({ ok: false, reason });
  });

  it.each([
    ['/%30', '/0'], ['/%39', '/9'], ['/%41', '/A'], ['/%5A', '/Z'], ['/%61', '/a'], ['/%7A', '/z'], ['/%7a', '/z'],
    ['/%2D%2E%5F%7E', '/-._~'], ['/%40', '/%40'], ['/%5b', '/%5B'], ['/%60', '/%60'], ['/%7b', '/%7B'], ['/%2c', '/%2C'],
    ['/a?b', '/a'], ['/a', '/a'], ['/a/./b/../c/', '/a/c/'], ['/a/b/..', '/a/'], ['/..', '/'], ['/a//', '/a/'],
  ])('%j → %j', (raw, path) => {
    expect(normalizePath(raw)).toEqual({ ok: true, path });
  });
});

describe('DNS-tunnelling findings', () => {
  const limits = { mode: 'enforce' as const, maxLabelLength: 20, maxLabels: 4, entropyMinLength: 12, maxEntropy: 3.0 };

  it.each([
    ['a.b.c.d', null],
    ['a.b.c.d.e', 'host has 5 labels (over 4)'],
    ['a.b.c.d.', 'host has 5 labels (over 4)'],
    [`${'a'.repeat(20)}.com`, null],
    [`${'a'.repeat(21)}.com`, 'label of 21 bytes (over 20)'],
    [`www.${'a'.repeat(21)}`, 'label of 21 bytes (over 20)'],
    [`ab.cd.${'a'.repeat(21)}`, 'label of 21 bytes (over 20)'],
    ['q8w2e6r4t1y9u3i7.example', 'label entropy 4.00 bits/byte (over 3)'],
    ['www.q8w2e6r4t1y9u3i7', 'label entropy 4.00 bits/byte (over 3)'],
    ['q8w2e6r4t1y.example', null],
    ['aaaabbbbccccdddd.example', null],
  ])('%j', (host, finding) => {
    expect(dnsTunnelSuspicion(host, limits)).toBe(finding);
  });

  it('finds nothing when off', () => {
    expect(dnsTunnelSuspicion('a.b.c.d.e.f.g', { ...limits, mode: 'off' })).toBeNull();
    expect(dnsTunnelSuspicion('a.b.c.d.e.f.g', { ...limits, mode: 'monitor' })).toBe('host has 7 labels (over 4)');
  });

  it('measures entropy in bits per byte', () => {
    expect(labelEntropy('aaaa')).toBe(0);
    expect(labelEntropy('abab')).toBe(1);
    expect(labelEntropy('abcd')).toBe(2);
  });
});
