// The differential cases of the AssemblyScript mutation run: each is a call into the harness
// (test/wasm/as/harness.ts) and what its TypeScript twin answers, computed here. Inputs come from
// the generators of the parity tests (fast-check with fixed seeds, bounded counts), the shared
// fixtures (test/fixtures/*.json) and the parity corpus of whole requests (test/parity/corpus.ts)
// on the parity policies, so a mutant is run on the same kinds of inputs the parity tests hold
// the twins to. Where a function has no TypeScript twin (Envoy address properties), the expected
// values are the ones test/wasm/lib.test.ts writes out.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { canonicalHost, canonicalSni } from '../../control-plane/canon/host.js';
import { cidrContains, formatIP, parseCidr, parseIP } from '../../control-plane/canon/ip.js';
import { normalizePath } from '../../control-plane/canon/path.js';
import { SourceSet } from '../../control-plane/canon/source-set.js';
import { identityNamespace, parseSpiffeId } from '../../control-plane/canon/spiffe.js';
import { toCheckInput } from '../../control-plane/authz/check-request.js';
import { decide } from '../../control-plane/engine/decide.js';
import { dnsTunnelSuspicion, labelEntropy } from '../../control-plane/engine/dns-tunnel.js';
import { CONTEXT_DIRECTION, type CheckInput } from '../../control-plane/engine/request.js';
import { filterConfigFor } from '../../control-plane/filter-config/filter-config.js';
import { prng } from '../../bench/anomaly/corpus.js';
import { compileYaml } from '../helpers/policy.js';
import { corpusFor, HOST_CASES, PATH_CASES } from '../parity/corpus.js';
import { POLICIES } from '../parity/policies.js';
import { OTHER_PATHS, SCHEMES, spiffeGenerators, TD, TOO_LONG, TRUST_DOMAINS } from '../helpers/spiffe-gen.js';
import type { CompiledPolicy } from '../../control-plane/policy/compiled.js';
import type { Harness } from '../wasm/harness.js';

export interface DiffCase {
  /** The function and input, for a report. */
  readonly what: string;
  /** The harness's answer, in the same shape as `expected`. */
  readonly run: (h: Harness) => unknown;
  /** The TypeScript twin's answer (or the written-out one where there is no twin). */
  readonly expected: unknown;
  /**
   * `run` answers [compared with expected, pinned]: the pinned part (a filter's reason code, which
   * has no TypeScript twin) is compared with what the unmutated build answers; test/parity/parity.test.ts
   * holds those codes, through replay's sentences, to check's reasons.
   */
  readonly pinned?: true;
}

const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as T;
const sample = <T>(arb: fc.Arbitrary<T>, numRuns: number, seed: number): T[] => fc.sample(arb, { numRuns, seed });

function paths(): DiffCase[] {
  const pathChars = fc.constantFrom('/', '.', '..', '%', '%2e', '%2E', '%2f', '%3B', '%3b', '%41', '%zz', '%7e', '%25', ';', '?', '#', '\\', 'a', 'B', '~', '\t', '\u00e9', '//');
  const generated = sample(fc.array(pathChars, { maxLength: 12 }).map((parts) => '/' + parts.join('')), 800, 1);
  // Every escape at the edges of the unreserved ranges and of the hex digits ('@' and '`' sit just below 'A' and 'a').
  const escapes = ['%4@', '%`1', '%@1', '%5A', '%5a', '%5B', '%61', '%7A', '%7a', '%7B', '%60', '%40', '%30', '%39', '%2D', '%2C', '%5F', '%7E', '%7F', '%2F', '%5C', '%00', '%1F', '%20', '%GA', '%aG'];
  // The filter's and the twin's answers read alike.
  const view = (r: { ok: true; path: string } | { ok: false }) => (r.ok ? r.path : 'rejected');
  const cases: DiffCase[] = [...PATH_CASES, ...generated, ...escapes.map((e) => `/x${e}y`), 'a/b', '', '?x', '/a?b#c', '/a?\u0001',
    // "%3B" is the escaped ";" after a dot segment: the same shape with another first or second byte is a name.
    '/.x3B', '/..x3B', '/.%2B', '/..%2B', '/.%7B', '/.%3C', '/..%3b', '/.A3B',
  ].map((raw) => ({ what: `normalizePath ${JSON.stringify(raw)}`, run: (h) => view(h.normalizePath(raw)), expected: view(normalizePath(raw)) }));
  // A value read right after a longer one: a read past its end finds the longer one's bytes.
  const shorts = ['/%4', '/%', '/a%4', '/x/%4', '/%2', '/.', '/..', '/a/.', '/a/..', '/.%3', '/.%'];
  for (const short of shorts) {
    for (const tail of ['1', 'A1', ';', '%3B', '3B', 'B', '.;', '/x']) {
      const long = short + tail;
      cases.push({ what: `normalizePath ${JSON.stringify(short)} after ${JSON.stringify(long)}`, run: (h) => [view(h.normalizePath(long)), view(h.normalizePath(short))], expected: [view(normalizePath(long)), view(normalizePath(short))] });
    }
  }
  return cases;
}

function hostView(h: ReturnType<Harness['canonicalHost']>) {
  return 'reject' in h ? 'rejected' : h;
}

/** canonicalHost's answer in the shape of the filter's (hostView). */
function hostTwin(authority: string) {
  const ts = canonicalHost(authority);
  return ts.ok ? { host: ts.host, ip: ts.kind === 'ip' ? (ts.ip.v === 4 ? 'v4' : 'v6') : null, port: ts.port } : 'rejected';
}

function hosts(): DiffCase[] {
  const hostChars = fc.constantFrom('a', 'Z', '0', '1', '9', '.', '-', ':', '[', ']', 'x', 'f', '::', '255', '0x', '_', '\u00fc', '443', '65535', '65536', '0', ':0', 'ffff', '.0x1f');
  const generated = sample(fc.array(hostChars, { maxLength: 10 }).map((parts) => parts.join('')), 800, 2);
  const edges = [`${'a'.repeat(63)}.example`, `${'a'.repeat(64)}.example`, `${'a.'.repeat(126)}b`, `${'a.'.repeat(126)}bc`, 'example.com.', 'example.com..', '[::1]:80', '[::1]x', '[::1', '[::ffff:1.2.3.4]:443', '1.2.3.4:', 'a:99999', 'a:01', 'x.0x1g', 'x.0xff', 'x.0x', '1.2.3.04',
    // ports at their edges, and one that wraps a 32-bit integer to port 1
    'a:0', 'a:1', 'a:9', 'a:19', 'a:10000', 'a:65535', 'a:65536', 'a:4294967297', 'a:123456', 'a:1a', 'a:/1', 'a::1',
    // labels that end like a number: hex, digits and letters mixed
    'x.ax12', 'ax1', 'x.1x5', 'a.1xf', 'x.0x9', '0x9', 'x.0xa', 'x.0xg', 'x.0x/', 'x.09', 'x.9a',
    // control characters that ASCII lower-casing by `| 0x20` would turn into '-', '.', '0' or '1'
    'a\rb.example', 'a\u000eexample', '\u0010.1.1.1', '\u0011.1.1.1', 'a\u000db',
    // brackets: junk after the literal, bad ports, an IPv4 literal inside
    '[::1]x80', '[::1]a1', '[::1]:abc', '[::1]:0', '[::1]:', '[::1]:65536', '[1.2.3.4]', '[1.2.3.4]:80', '[]', '[:]', '[::1]]'];
  const cases: DiffCase[] = [];
  for (const authority of [...HOST_CASES, ...generated, ...edges]) {
    cases.push({ what: `canonicalHost ${JSON.stringify(authority)}`, run: (h) => hostView(h.canonicalHost(authority)), expected: hostTwin(authority) });
  }
  // A value read right after a longer one (a read past its end finds the longer one's bytes).
  for (const [long, short] of [['[::1]', '[::1'], ['[::1]:80', '[::1]:'], ['a:80', 'a:'], ['a.b', 'a.'], ['x.0x1', 'x.0x'], ['[::1]:8', '[::1]']]) {
    cases.push({ what: `canonicalHost ${JSON.stringify(short)} after ${JSON.stringify(long)}`, run: (h) => [hostView(h.canonicalHost(long!)), hostView(h.canonicalHost(short!))], expected: [hostTwin(long!), hostTwin(short!)] });
  }
  const sni = [...fixture<{ cases: { in: string }[] }>('sni.json').cases.map((c) => c.in), ...generated.slice(0, 300), ...edges];
  for (const text of sni) {
    const ts = canonicalSni(text);
    cases.push({ what: `canonicalSni ${JSON.stringify(text)}`, run: (h) => { const r = h.sni(text); return 'host' in r ? r.host : 'rejected'; }, expected: ts.ok ? ts.host : 'rejected' });
  }
  return cases;
}

function ips(): DiffCase[] {
  const fx = fixture<{ addresses: { in: string }[]; cidrs: { cidr: string; ip: string }[] }>('ips.json');
  const octet = fc.oneof(fc.nat(255).map(String), fc.constantFrom('256', '01', '00', '', 'x', '1000', '1/', '2-', '1,', '9:', '25/'));
  const v4 = fc.array(octet, { minLength: 3, maxLength: 5 }).map((o) => o.join('.'));
  const group = fc.oneof(fc.constantFrom('0', '1', 'ffff', 'FFFF', '00000', 'db8', '2001', '2002', '64', 'ff9b', 'g', '0000', 'abcd'), fc.nat(0xffff).map((n) => n.toString(16)));
  const v6 = fc.tuple(fc.array(group, { maxLength: 9 }), fc.nat(9), fc.boolean(), fc.option(fc.nat(255).map((n) => `1.2.3.${n}`), { nil: undefined }))
    .map(([groups, at, gap, tail]) => {
      const g = [...groups];
      if (gap) g.splice(Math.min(at, g.length), 0, '');
      let text = g.join(':');
      if (gap && (text.startsWith(':') || text === '')) text = `:${text}`;
      if (gap && text.endsWith(':')) text = `${text}:`;
      return tail ? `${text}:${tail}` : text;
    });
  const addresses = [...fx.addresses.map((a) => a.in), ...sample(v4, 300, 3), ...sample(v6, 500, 4), '::', '::1', '::2', '1::', '::ffff:0:1.2.3.4', '2002:c000:0201::', '64:ff9b::1.2.3.4', '::1.2.3.4', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1::2::3', '1:0:0:2:0:0:0:3', '1:0:0:0:2:0:0:3', '0:0:1::',
    '1.2.3.1/', '1.2.3.2-', '1.2.3.4.', '.1.2.3', '::@', '1:@::', '::`', '::G', '1:2:3:4:5:6:7:8:9:10:11', '1:2:3:4::', '::1.2.3.4.5', '::1.2.3', '1::2:3:4:5:6:7:8', ':1.2.3.4', '1.2:3'];
  /** parseIP's answer in the shape of the filter's. */
  const twin = (text: string) => {
    const ip = parseIP(text);
    return ip ? { ip: formatIP(ip), version: ip.v } : null;
  };
  const cases: DiffCase[] = addresses.map((text) => ({ what: `ip ${JSON.stringify(text)}`, run: (h) => h.ip(text), expected: twin(text) }));
  const v4Prefix = fc.tuple(fc.constantFrom('10.0.0.0', '10.1.2.3', '203.0.113.0', '0.0.0.0', '255.255.255.255', '192.0.2.128'), fc.oneof(fc.nat(33).map(String), fc.constantFrom('08', '', 'x', '-1', '100')));
  const v6Prefix = fc.tuple(fc.constantFrom('2001:db8::', '::ffff:203.0.113.0', '64:ff9b::c000:200', '::c000:200', '2002:c000:200::', '::', '::1', '2001:db8:0:0:8000::', 'fe80::1'), fc.oneof(fc.nat(129).map(String), fc.constantFrom('0', '96', '120', '127', '128', '16', '48', '64', '65', '130')));
  const targets = ['203.0.113.9', '192.0.2.200', '192.0.2.1', '10.1.2.3', '10.200.0.1', '0.0.0.1', '2001:db8::1', '2001:db8:8000::1', '2001:db8::8000:0:0:1', '::1', '::', '2002:c000:201::1', 'fe80::2', '::ffff:10.1.2.3', '255.255.255.255'];
  const blocks = [...sample(v4Prefix, 300, 5), ...sample(v6Prefix, 300, 6)].map(([base, prefix]) => `${base}/${prefix}`);
  const r = prng(7);
  const pairs: Array<[string, string]> = [...fx.cidrs.map((c): [string, string] => [c.cidr, c.ip]), ...blocks.map((b): [string, string] => [b, targets[Math.floor(r() * targets.length)]!]),
    ['10.0.0.0/8x', '10.0.0.1'], ['example.com/24', '10.0.0.1'], ['', '10.0.0.1'], ['10.0.0.0/', '10.0.0.1'], ['10.0.0.0', '10.0.0.0'],
    // a prefix that wraps a 32-bit integer, prefix digits just past '9'
    ['10.0.0.0/4294967304', '10.1.0.1'], ['10.0.0.0/:', '10.1.0.1'], ['10.0.0.0/1:', '10.1.0.1'], ['10.0.0.0/0', '1.1.1.1'],
    // 6to4 blocks at and around /16 and /48
    ...['2002::/16', '2002::/15', '2002::/17', '2002:c000:200::/40', '2002:c000:200::/47', '2002:c000:200::/48', '2002:c000:200::/60', '2002:c000:2ff::/48'].flatMap((b): Array<[string, string]> => [[b, '2002:c000:201::1'], [b, '192.0.2.1'], [b, '10.0.0.1'], [b, '192.0.3.1']]),
    ...['::ffff:0:0/95', '::ffff:0:0/96', '::/90', '::/127', '::2/127', '64:ff9b::/96', '64:ff9b::/95'].flatMap((b): Array<[string, string]> => [[b, '::1'], [b, '0.0.0.1'], [b, '64:ff9b::1'], [b, '::3']])];
  for (const [cidr, ip] of pairs) {
    const parsed = parseCidr(cidr);
    const address = parseIP(ip);
    const expected = typeof parsed === 'string' || address === null ? 'invalid' : cidrContains(parsed, address);
    cases.push({ what: `cidrContains ${cidr} ${ip}`, run: (h) => h.cidrContains(cidr, ip), expected });
  }
  for (const [long, short] of [['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:'], ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:'], ['1.2.3.45', '1.2.3.4'], ['::1.2.3.4', '::1.2.3.'], ['1::2', '1::']]) {
    cases.push({ what: `ip ${JSON.stringify(short)} after ${JSON.stringify(long)}`, run: (h) => [h.ip(long!), h.ip(short!)], expected: [twin(long!), twin(short!)] });
  }
  // Envoy address properties: no TypeScript twin (the CheckRequest carries address and port apart).
  const properties: Array<[string, { ip: string; version: number } | null, number]> = [
    ['10.1.2.3:8080', { ip: '10.1.2.3', version: 4 }, 8080], ['[2001:db8::1]:443', { ip: '2001:db8::1', version: 6 }, 443],
    ['[::ffff:10.0.0.1]:80', { ip: '10.0.0.1', version: 4 }, 80], ['10.1.2.3', { ip: '10.1.2.3', version: 4 }, 0],
    ['/var/run/envoy.sock', null, 0], ['[::1]x', null, 0], ['', null, 0], ['10.1.2.3:65535', { ip: '10.1.2.3', version: 4 }, 65535],
    ['10.1.2.3:65536', { ip: '10.1.2.3', version: 4 }, 0], ['10.1.2.3:0', { ip: '10.1.2.3', version: 4 }, 0], ['10.1.2.3:123456', { ip: '10.1.2.3', version: 4 }, 0],
    ['10.1.2.3:8a', { ip: '10.1.2.3', version: 4 }, 0], ['[::1]:', { ip: '::1', version: 6 }, 0], ['[::1]', { ip: '::1', version: 6 }, 0], ['1.2.3:80', null, 80],
  ];
  for (const [address, ip, port] of properties) {
    cases.push({ what: `socketAddress ${JSON.stringify(address)}`, run: (h) => [h.socketAddress(address), h.socketPort(address)], expected: [ip, port] });
  }
  // More shapes, pinned to the unmutated build (no twin, and Envoy does not send them): a mutant must not change how they read.
  for (const address of ['[::1]:80x', '[::1]80', ':80', '[::1]:', '1.2.3.4:1', '1.2.3.4:9', '1.2.3.4:19', '1.2.3.4:99999', '[2001:db8::1]', ']:80', '[]:80', 'a]:80',
    '1.2.3.4:/1', '1.2.3.4::80', '[::1]:80]', '[1.2.3.4]:80', '[::1]:1', '[::1]:65535', '[::1]:65536', '1.2.3.4:0080',
    '12345', '8080', '1.2.3.4:4294967376', '[::1]:4294967376', '1.2.3.4:1/', '1.2.3.4:8-', '1.2.3.4:123456']) {
    cases.push({ what: `socketAddress ${JSON.stringify(address)} (pinned)`, run: (h) => [null, [h.socketAddress(address), h.socketPort(address)]], expected: null, pinned: true });
  }
  for (const [long, short] of [['[::1]:80', '[::1'], ['1.2.3.4:80', '1.2.3.4:'], ['[::1]', '[::1'], ['1.2.3.4:8', '1.2.3.4']]) {
    cases.push({ what: `socketAddress ${JSON.stringify(short)} after ${JSON.stringify(long)} (pinned)`, run: (h) => [null, [h.socketAddress(long!), h.socketPort(long!), h.socketAddress(short!), h.socketPort(short!)]], expected: null, pinned: true });
  }
  return cases;
}

function patterns(): DiffCase[] {
  // The TypeScript rule (policy/compile.ts, engine/inbound.ts): exact, prefix*, *suffix, * ; the
  // policy validator rejects any other *. Written out: the engine's matcher is not exported.
  const list: Array<[string, string, boolean | 'invalid']> = [
    ['/api/*', '/api/items', true], ['/api/*', '/api', false], ['/api/*', '/API/items', false], ['/api/*', '/api/', true],
    ['*.json', '/a/b.json', true], ['*.json', '/a/b.jsonx', false], ['*.json', '.json', true], ['*', '/anything', true], ['*', '', true],
    ['/healthz', '/healthz', true], ['/healthz', '/healthz/', false], ['/healthz', '/health', false], ['/a', '/a', true], ['', '', true], ['', '/', false],
    ['/a*b', '/a', 'invalid'], ['**', '/a', 'invalid'], ['*a*', '/a', 'invalid'], ['/a/**', '/a', 'invalid'], ['*/a*', '/a', 'invalid'],
  ];
  return list.map(([pattern, path, expected]) => ({ what: `pattern ${pattern} on ${path}`, run: (h) => h.patternMatches(pattern, path), expected }));
}

// Principals as test/helpers/spiffe-gen.ts generates them for the parity and RBAC tests, from
// longer lists: a trust domain one byte short, more paths that are not workload identities, more
// bad bytes, schemes and over-long names.
const { principal, sourceSet } = spiffeGenerators({
  trustDomains: [...TRUST_DOMAINS, 'cluster.loca'],
  otherPaths: [...OTHER_PATHS,
    `spiffe://${TD}/ns//sa/x`, `spiffe://${TD}/ns/a/sa/`, `spiffe://${TD}/ns/a/sb/x`, `spiffe://${TD}/ns/a/xa/x`, `spiffe://${TD}/ns/a/s/x`, `spiffe://${TD}/nx/a/sa/x`, `spiffe://${TD}/xs/a/sa/x`,
    `spiffe://${TD}/ns/a/sa/x/`, `spiffe://${TD}x/ns/a/sa/x`, `spiffe://${TD}/ns`, `spiffe://${TD}/n`, `spiffe://${TD}/ns/a/sa/x/y`, `spiffe://${TD}/.a/x`, `spiffe://${TD}/a./x`, `spiffe://${TD}/..a`, `spiffe://${TD}/...`,
    // a longer trust domain that goes on with "ns/": the namespace must start right after "<td>/"
    `spiffe://${TD}xns/a/sa/x`, `spiffe://${TD}.ns/a/sa/x`, `spiffe://${TD}-ns/ab/sa/x`],
  bad: ['%', '%2F', '@', ':', '?', '#', ' ', 'A', 'Z', 'é', '\u0000', '/', '.', '..', '*', '\\', '\n', '`', '{', '[', '^', '~', '0', '9', '_', '-', 'z'],
  schemes: [...SCHEMES, 'spiffe:/x', 'spiffx://'],
  tooLong: [...TOO_LONG, `spiffe://${'a'.repeat(255)}/x`, `spiffe://${'a'.repeat(256)}/x`, `spiffe://${'a'.repeat(255)}`],
  otherPathWeight: 3,
});

function spiffe(): DiffCase[] {
  const ids = [...sample(principal, 1000, 8), '', 'spiffe://', 'spiffe://a', 'spiffe://a/', 'spiffe://-/b', 'spiffe://a_b.c-d/E_f.g-H9'];
  return ids.map((p) => {
    const expected = parseSpiffeId(p) === null ? 'malformed' : identityNamespace(p, TD);
    return { what: `spiffeNamespace ${JSON.stringify(p)}`, run: (h) => h.spiffeNamespace(p, TD), expected };
  });
}

function admission(): DiffCase[] {
  return sample(fc.tuple(principal, sourceSet), 1200, 14).map(([p, s]) => ({
    what: `segmentAdmits ${JSON.stringify(p)} ${JSON.stringify(s)}`,
    run: (h) => h.segmentAdmits(p, { trustDomain: TD, ...s }),
    expected: new SourceSet(TD, s.identities, s.namespaces, s.prefixes).admits(p),
  }));
}

/** The largest double below a positive `x`. */
function nextDown(x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) - 1n);
  return view.getFloat64(0);
}

function dns(): DiffCase[] {
  const cases: DiffCase[] = [];
  const r = prng(12);
  const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789-';
  const labels = Array.from({ length: 120 }, () => {
    const letters = ALPHABET.slice(0, 2 + Math.floor(r() * (ALPHABET.length - 2)));
    const length = 1 + Math.floor(r() * 63);
    return Array.from({ length }, () => letters[Math.floor(r() * letters.length)]).join('');
  });
  for (const label of [...labels.slice(0, 40), 'aaaa', 'ab', 'abcd', '0123456789abcdef', '']) {
    cases.push({ what: `entropy ${label}`, run: (h) => h.entropy(label), expected: labelEntropy(label) });
  }
  const base = { maxLabelLength: 40, maxLabels: 6, entropyMinLength: 16, maxEntropy: 3.5 };
  const hostsOf = (i: number): string[] => {
    const a = labels[i % labels.length]!;
    const b = labels[(i * 7 + 3) % labels.length]!;
    return [`${a}.example`, `${b}.${a}.com`, `${a.slice(0, 16)}.x`, `${a.slice(0, 15)}.x`, 'a.b.c.d.e.f', 'a.b.c.d.e.f.g', `${'a'.repeat(40)}.x`, `${'a'.repeat(41)}.x`, `x.${'b'.repeat(41)}`];
  };
  for (let i = 0; i < 60; i++) {
    for (const host of hostsOf(i)) {
      const label = host.split('.')[0]!;
      const e = labelEntropy(label);
      for (const limits of [base, { ...base, maxEntropy: e }, { ...base, maxEntropy: nextDown(e), entropyMinLength: Math.min(16, label.length) }, { ...base, entropyMinLength: label.length + 1, maxEntropy: 0 }]) {
        const flagged = dnsTunnelSuspicion(host, { mode: 'enforce', ...limits }) !== null;
        cases.push({ what: `dnsFinding ${host} ${JSON.stringify(limits)}`, run: (h) => h.dnsFinding(host, limits) !== 0, expected: flagged });
      }
    }
  }
  return cases;
}

/** The socket text an Envoy address property holds for a CheckInput peer. */
function socketText(address: string | null, port: number | null): string | null {
  if (address === null) return null;
  if (parseIP(address) === null) return address;
  return address.includes(':') ? `[${address}]:${port ?? 0}` : `${address}:${port ?? 0}`;
}

/** [decision, status, rule] and the reason code (pinned), from "allow|deny status rule code". */
function inboundView(v: string | null): unknown {
  const f = v?.split(' ');
  return f ? [[f[0], Number(f[1]), f[2] === '-' ? null : f[2]], f[3]] : null;
}

/** [decision, status, rule, DNS finding] and the reason code (pinned). */
function egressView(v: string | null): unknown {
  const f = v?.split(' ');
  return f ? [[f[0], Number(f[1]), f[2] === '-' ? null : f[2], f[4] !== 'dns=0'], f[3]] : null;
}

// A policy for the decision steps the parity policies do not reach: a workload no segment selects
// (inbound default allow), rules with ports, an unparseable source address against a blocklist,
// DNS tunnelling in monitor mode with in-mesh and IP hosts, egress by CIDR.
const STEPS = `apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: mutation-steps }
spec:
  trustDomain: cluster.local
  defaults: { inbound: allow, egress: deny, mtls: permissive }
  meshDomains: [svc.cluster.local, mesh.internal]
  workloads:
    - { name: api, namespace: a, serviceAccount: api, labels: { app: api }, ports: [8080, 9090] }
    - { name: lone, namespace: b, serviceAccount: lone, labels: { app: lone } }
  segments:
    - name: ported
      to: { matchLabels: { app: api } }
      from: [{ namespace: a }, { principals: ["spiffe://cluster.local/ns/c/sa/x"] }]
      rules:
        - { methods: [GET], paths: ["/p/*"], ports: [9090, 8080, 7070] }
        - { methods: [PUT], ports: [7070] }
  egress:
    - name: web
      from: { matchLabels: { app: api } }
      hosts: ["api.example.com", "*.example.org"]
      ports: [443, 8443]
    - name: nets
      from: { matchLabels: { app: api } }
      cidrs: ["192.0.2.0/24", "2001:db8:1::/48"]
  blocklist:
    cidrs: ["203.0.113.0/24", "2001:db8:dead::/48"]
  dnsTunneling: { mode: monitor, maxLabelLength: 30, maxLabels: 5, entropyMinLength: 12, maxEntropy: 3.0 }
`;

const SUSPICIOUS = ['aGVsbG8gd29ybGQgdGhpcyBpcyBhIHRlc3Q', 'x9f3k2q8z7w1v5b6', 'a.b.c.d.e.f'];

/** A request to a workload, as check reads it. */
interface WorkloadRequest { readonly workload: string; readonly what: string; readonly input: CheckInput }

/** Hand-made requests for the steps: every port, method and path shape against the ported rules, hosts with and without authority, SNI and destination. */
function stepRequests(policy: CompiledPolicy): WorkloadRequest[] {
  const out: WorkloadRequest[] = [];
  const http = (method: string, path: string | null, host = 'svc.local', scheme = 'http') => ({ method, path, host, scheme, headers: {}, body: '' });
  const peer = (principal: string, address: string | null, port: number | null) => ({ principal, address, port });
  for (const w of policy.workloads.values()) {
    for (const principal of ['spiffe://cluster.local/ns/a/sa/any', 'spiffe://cluster.local/ns/c/sa/x', 'spiffe://cluster.local/ns/d/sa/x', '', 'not-spiffe']) {
      for (const [method, path] of [['GET', '/p/x'], ['GET', '/q'], ['PUT', '/anything'], ['GET', null], ['GET', 'p'], ['POST', '/p/x']] as const) {
        for (const port of [8080, 9090, 7070, 1, 0]) {
          out.push({ workload: w.key, what: `step ${principal} ${method} ${path} :${port}`, input: {
            source: peer(principal, '10.0.0.1', 4000), destination: peer(w.identity, '10.0.0.2', port === 0 ? null : port), http: http(method, path), sni: '', contextExtensions: { 'meshguard.io/workload': w.key },
          } });
        }
      }
    }
    for (const source of ['203.0.113.9', '2001:db8:dead::1', '/var/run/pipe', null, '198.51.100.1']) {
      out.push({ workload: w.key, what: `step source ${source}`, input: {
        source: peer('spiffe://cluster.local/ns/a/sa/any', source, 4000), destination: peer(w.identity, '10.0.0.2', 8080), http: http('GET', '/p/x'), sni: '', contextExtensions: { 'meshguard.io/workload': w.key },
      } });
    }
    const hosts = ['api.example.com', 'api.example.com:443', 'api.example.com:8443', 'API.example.com.', 'x.example.org', 'example.org', 'db.svc.cluster.local', 'svc.cluster.local', 'a.mesh.internal',
      '192.0.2.7', '192.0.2.7:443', '[2001:db8:1::5]', '203.0.113.3', '[::ffff:192.0.2.9]', 'bad_host', '', ...SUSPICIOUS.map((l) => `${l}.example.org`), ...SUSPICIOUS.map((l) => `${l}.svc.cluster.local`)];
    for (const host of hosts) {
      for (const [sni, destination, port, scheme] of [['', '192.0.2.7', 443, 'https'], ['api.example.com', '10.9.9.9', 8443, 'https'], ['', null, null, 'http'], ['x.example.org', null, null, 'https'], ['', '203.0.113.5', 80, 'http'], ['', '2001:db8:1::9', 443, 'https'], ['BAD SNI', null, null, 'http'], ['', '/pipe', null, 'http'], ['', '10.9.9.9', null, 'https']] as const) {
        out.push({ workload: w.key, what: `step egress ${host} sni=${sni} dst=${destination}:${port}`, input: {
          source: peer(w.identity, '10.0.0.1', 4000), destination: peer('', destination, port), http: http('GET', '/', host, scheme), sni, contextExtensions: { 'meshguard.io/workload': w.key, 'meshguard.io/direction': 'outbound' },
        } });
      }
    }
  }
  return out;
}

/** The parity corpus on the parity policies, and the hand-made steps: whole decisions, check against the filters' decide.ts. */
function decisions(perWorkload: number): DiffCase[] {
  const steps = compileYaml(STEPS, 'steps.yaml');
  const dnsOff = compileYaml(STEPS.replace('mode: monitor', 'mode: off'), 'steps.yaml');
  // Without a blocklist: a destination that is not an IP must not count as blocklisted (TCP reads it with an SNI too).
  const open = compileYaml(STEPS.replace(/ {2}blocklist:\n.*\n/, ''), 'steps.yaml');
  const outboundOfApi = (r: WorkloadRequest) => r.workload === 'a/api' && r.input.contextExtensions[CONTEXT_DIRECTION] === 'outbound';
  return [
    ...POLICIES.flatMap((p) => requestCases(p.name, compileYaml(p.text, 'parity.yaml'), perWorkload, [])),
    ...requestCases('steps', steps, perWorkload, stepRequests(steps)), ...quarantine(steps), ...tcp(steps), ...tcp(open),
    ...requestCases('steps, DNS tunnelling off', dnsOff, perWorkload, stepRequests(dnsOff).filter(outboundOfApi)),
  ];
}

/** The parity corpus on `policy`, then the `extra` requests: each request through check and the filter's decision. */
function requestCases(name: string, policy: CompiledPolicy, perWorkload: number, extra: readonly WorkloadRequest[]): DiffCase[] {
  const cases: DiffCase[] = [];
  const configs = new Map([...policy.workloads.values()].map((w) => [w.key, JSON.stringify(filterConfigFor(policy, w))]));
  const requests: WorkloadRequest[] = [...corpusFor(policy, perWorkload).map(({ workload, what, request }) => ({ workload, what, input: toCheckInput(request) })), ...extra];
  for (const { workload, what, input } of requests) {
    if (input.http === null || input.http.conflict !== undefined) continue;
    const config = configs.get(workload)!;
    const verdict = decide(policy, input);
    const http = input.http;
    if (input.contextExtensions[CONTEXT_DIRECTION] === 'outbound') {
      const facts = { authority: http.host, sni: input.sni, destination: socketText(input.destination.address, input.destination.port), port: input.destination.port ?? 0, https: http.scheme.toLowerCase() === 'https' };
      cases.push({
        what: `egress ${name} ${workload} ${what}`,
        run: (h) => egressView(h.egress(config, facts)),
        expected: [verdict.decision, verdict.status, verdict.rule, verdict.dnsSuspicious],
        pinned: true,
      });
    } else {
      const facts = { principal: input.source.principal, source: socketText(input.source.address, input.source.port), path: http.path, method: http.method, port: input.destination.port ?? 0 };
      cases.push({
        what: `inbound ${name} ${workload} ${what}`,
        run: (h) => inboundView(h.inbound(config, facts)),
        expected: [verdict.decision, verdict.status, verdict.rule],
        pinned: true,
      });
    }
  }
  return cases;
}

/** TCP connections (no HTTP) from a/api: the host from the SNI, else the destination IP (egress/tcp.ts). */
function tcp(policy: CompiledPolicy): DiffCase[] {
  const cases: DiffCase[] = [];
  const config = JSON.stringify(filterConfigFor(policy, policy.workloads.get('a/api')!));
  for (const sni of ['', 'api.example.com', 'x.example.org', 'BAD SNI', 'db.svc.cluster.local', '192.0.2.7', 'other.example', ...SUSPICIOUS.map((l) => `${l}.example.org`)]) {
    for (const [address, port] of [['192.0.2.7', 443], ['10.9.9.9', 8443], [null, null], ['/pipe', null], ['2001:db8:1::9', 443], ['203.0.113.5', 80], ['192.0.2.7', 22]] as const) {
      const input: CheckInput = {
        source: { principal: 'spiffe://cluster.local/ns/a/sa/api', address: '10.0.0.1', port: 4000 }, destination: { principal: '', address, port },
        http: null, sni, contextExtensions: { 'meshguard.io/workload': 'a/api', 'meshguard.io/direction': 'outbound' },
      };
      const verdict = decide(policy, input);
      const facts = { sni, destination: socketText(address, port), port: port ?? 0 };
      cases.push({ what: `egress tcp sni=${sni} dst=${address}:${port}`, run: (h) => egressView(h.egressTcp(config, facts)), expected: [verdict.decision, verdict.status, verdict.rule, verdict.dnsSuspicious], pinned: true });
    }
  }
  return cases;
}

/**
 * Quarantine is the authorizer's step before the engine's (authorizer.ts quarantinedSource): a
 * quarantined identity is denied as a source, and its own egress is denied; written out here.
 */
function quarantine(policy: CompiledPolicy): DiffCase[] {
  const cases: DiffCase[] = [];
  const held = 'spiffe://cluster.local/ns/a/sa/held';
  for (const w of policy.workloads.values()) {
    // An empty identity in the list holds nobody: a request without a peer identity is not quarantined.
    const withEmpty = JSON.stringify(filterConfigFor(policy, w, null, { quarantined: ['', held] }));
    const none: CheckInput = {
      source: { principal: '', address: '10.0.0.1', port: 4000 }, destination: { principal: w.identity, address: '10.0.0.2', port: 8080 },
      http: { method: 'GET', path: '/p/x', host: 'svc.local', scheme: 'http', headers: {}, body: '' }, sni: '', contextExtensions: { 'meshguard.io/workload': w.key },
    };
    const open = decide(policy, none);
    const noneFacts = { principal: '', source: '10.0.0.1:4000', path: '/p/x', method: 'GET', port: 8080 };
    cases.push({ what: `inbound quarantine list with "" ${w.key}`, run: (h) => inboundView(h.inbound(withEmpty, noneFacts)), expected: [open.decision, open.status, open.rule], pinned: true });
    const config = JSON.stringify(filterConfigFor(policy, w, null, { quarantined: [held, w.identity] }));
    for (const principal of [held, `${held}x`, 'spiffe://cluster.local/ns/a/sa/hel', '']) {
      const input: CheckInput = {
        source: { principal, address: '10.0.0.1', port: 4000 }, destination: { principal: w.identity, address: '10.0.0.2', port: 8080 },
        http: { method: 'GET', path: '/p/x', host: 'svc.local', scheme: 'http', headers: {}, body: '' }, sni: '', contextExtensions: { 'meshguard.io/workload': w.key },
      };
      const verdict = principal === held ? { decision: 'deny', status: 403, rule: null } : decide(policy, input);
      const facts = { principal, source: '10.0.0.1:4000', path: '/p/x', method: 'GET', port: 8080 };
      cases.push({ what: `inbound quarantine ${w.key} from ${principal}`, run: (h) => inboundView(h.inbound(config, facts)), expected: [verdict.decision, verdict.status, verdict.rule], pinned: true });
    }
    const facts = { authority: 'api.example.com', sni: '', destination: '192.0.2.7:443', port: 443, https: true };
    cases.push({ what: `egress quarantine ${w.key}`, run: (h) => egressView(h.egress(config, facts)), expected: ['deny', 403, null, false], pinned: true });
  }
  return cases;
}

/** Every case, cheapest and most telling first (a mutant stops at its first difference). */
export function differentialCases(options: { perWorkload: number } = { perWorkload: 20 }): DiffCase[] {
  return [...patterns(), ...spiffe(), ...admission(), ...paths(), ...hosts(), ...ips(), ...dns(), ...decisions(options.perWorkload)];
}
