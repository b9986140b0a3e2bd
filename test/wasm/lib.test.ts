// assembly/lib beyond the shared tables: CIDRs, path and SPIFFE matching, DNS-tunnelling
// heuristics, the JSON parser, Envoy address properties, and agreement with the TS engine on
// random inputs.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normalizePath } from '../../control-plane/canon/path.js';
import { canonicalHost } from '../../control-plane/canon/host.js';
import { parseCidr, parseIP, cidrContains } from '../../control-plane/canon/ip.js';
import { loadHarness, type Harness } from './harness.js';

let as: Harness;
beforeAll(async () => {
  as = await loadHarness();
});

describe('CIDR blocks', () => {
  it.each([
    ['203.0.113.0/24', '203.0.113.9', true],
    ['203.0.113.0/24', '203.0.114.1', false],
    ['0.0.0.0/0', '8.8.8.8', true],
    ['10.1.2.3', '10.1.2.3', true],
    ['10.1.2.3', '10.1.2.4', false],
    ['10.1.2.3/32', '10.1.2.3', true],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['2001:db8::/32', '203.0.113.9', false],
    ['203.0.113.0/24', '2001:db8::1', false],
    ['::/0', '::1', true],
    ['2001:db8:0:0:8000::/65', '2001:db8::8000:0:0:1', true],
    ['2001:db8:0:0:8000::/65', '2001:db8::7fff:0:0:1', false],
    ['::ffff:203.0.113.0/120', '203.0.113.77', true],
    ['203.0.113.0/24', '::ffff:203.0.113.5', true],
    ['10.9.9.9/8', '10.1.1.1', true],
    ['2001:db8::1/32', '2001:db8:5::5', true],
  ])('%s contains %s: %s', (cidr, ip, expected) => {
    expect(as.cidrContains(cidr, ip)).toBe(expected);
  });

  it.each([
    '10.0.0.0/33', '10.0.0.0/08', '10.0.0.0/', '10.0.0/8', '010.0.0.0/8',
    '2001:db8::/129', 'example.com/24', '', '10.0.0.0/8x', '10.0.0.0/-1',
  ])('rejects %j', (cidr) => {
    expect(as.cidrContains(cidr, '10.0.0.1')).toBe('invalid');
  });
});

describe('Envoy address properties', () => {
  it.each([
    ['10.1.2.3:8080', { ip: '10.1.2.3', version: 4 }, 8080],
    ['[2001:db8::1]:443', { ip: '2001:db8::1', version: 6 }, 443],
    ['[::ffff:10.0.0.1]:80', { ip: '10.0.0.1', version: 4 }, 80],
    ['10.1.2.3', { ip: '10.1.2.3', version: 4 }, 0],
    ['/var/run/envoy.sock', null, 0],
    ['[::1]x', null, 0],
    ['', null, 0],
  ])('%j is IP %j with port %d', (address, ip, port) => {
    expect(as.socketAddress(address)).toEqual(ip);
    expect(as.socketPort(address)).toBe(port);
  });
});

describe('path patterns', () => {
  it.each([
    ['/api/*', '/api/items', true],
    ['/api/*', '/api', false],
    ['/api/*', '/API/items', false],
    ['*.json', '/a/b.json', true],
    ['*.json', '/a/b.jsonx', false],
    ['*', '/anything', true],
    ['/healthz', '/healthz', true],
    ['/healthz', '/healthz/', false],
  ])('%j on %j: %s', (pattern, p, expected) => {
    expect(as.patternMatches(pattern, p)).toBe(expected);
  });

  it.each(['/a*b', '**', '*a*', '/a/**'])('rejects %j (a * inside the pattern)', (pattern) => {
    expect(as.patternMatches(pattern, '/a')).toBe('invalid');
  });
});

describe('SPIFFE IDs', () => {
  const td = 'cluster.local';
  it.each([
    ['spiffe://cluster.local/ns/shop/sa/api', 'shop'],
    ['spiffe://cluster.local/ns/ops/sa/prober', 'ops'],
    ['spiffe://other.domain/ns/shop/sa/api', null],
    ['spiffe://cluster.local/ns/shop/sa/api/extra', null],
    ['spiffe://cluster.local/ns/shop', null],
    ['spiffe://cluster.local/x/shop/sa/api', null],
    ['spiffe://cluster.local', null],
    ['spiffe://cluster.localx/ns/shop/sa/api', null],
  ])('%j has namespace %j in cluster.local', (id, ns) => {
    expect(as.spiffeNamespace(id, td)).toBe(ns);
  });

  it.each([
    'spiffe://cluster.local/ns/../sa/api', 'spiffe://cluster.local/ns//sa/api', 'spiffe://Cluster.local/ns/a/sa/b',
    'spiffe://cluster.local/ns/a/sa/b/', 'spiffe:///ns/a/sa/b', 'http://cluster.local/ns/a/sa/b',
    'spiffe://cluster.local/ns/a b/sa/b', 'spiffe://cluster.local:8080/ns/a/sa/b', 'spiffe://u@cluster.local/ns/a/sa/b',
    'spiffe://cluster.local/ns/a/sa/b?x', `spiffe://${'a'.repeat(256)}/ns/a/sa/b`, '',
  ])('%j is malformed', (id) => {
    expect(as.spiffeNamespace(id, td)).toBe('malformed');
  });
});

describe('DNS-tunnelling heuristics', () => {
  const limits = { maxLabelLength: 40, maxLabels: 10, entropyMinLength: 16, maxEntropy: 3.5 };
  it('finds nothing in an ordinary name', () => {
    expect(as.dnsFinding('api.stripe.com', limits)).toBe(0);
  });
  it('flags a label longer than maxLabelLength', () => {
    expect(as.dnsFinding(`${'a'.repeat(41)}.example.com`, limits)).toBe(1);
    expect(as.dnsFinding(`${'a'.repeat(40)}.example.com`, limits)).toBe(0);
  });
  it('flags more labels than maxLabels', () => {
    expect(as.dnsFinding('a.b.c.d.e.f.g.h.i.j.k', limits)).toBe(2);
    expect(as.dnsFinding('a.b.c.d.e.f.g.h.i.j', limits)).toBe(0);
  });
  it('flags a long high-entropy label and not a long repetitive one', () => {
    expect(as.dnsFinding('x7k2p9q4m1z8w3v6.evil.com', limits)).toBe(3);
    expect(as.dnsFinding('aaaaaaaaaaaaaaaaaaaa.example.com', limits)).toBe(0);
    expect(as.dnsFinding('x7k2p9q4m1z8w3v.evil.com', limits)).toBe(0);
  });
  it('computes Shannon entropy in bits per byte', () => {
    expect(as.entropy('aaaa')).toBe(0);
    expect(as.entropy('ab')).toBeCloseTo(1, 12);
    expect(as.entropy('abcd')).toBeCloseTo(2, 12);
    expect(as.entropy('0123456789abcdef')).toBeCloseTo(4, 12);
  });
});

describe('JSON parser', () => {
  it.each([
    ['{"a":[1,2.5,-3e2],"b":{"c":null,"d":true,"e":false},"s":"x\\"\\u00e9\\ud83d\\ude00\\n"}',
      '{"a":[1.0,2.5,-300.0],"b":{"c":null,"d":true,"e":false},"s":"x"é😀\n"}'],
    [' [ ] ', '[]'],
    ['{}', '{}'],
    ['"ü"', '"ü"'],
  ])('parses %j', (text, serialized) => {
    expect(as.json(text)).toEqual({ ok: true, value: serialized });
  });

  it.each([
    ['', 'unexpected end of input'],
    ['{"a":1,"a":2}', 'duplicate key'],
    ['{"a":1,}', 'expected a string key'],
    ['[1,]', 'unexpected character'],
    ['{"a" 1}', 'expected :'],
    ['[01]', 'expected , or ]'],
    ['"\\ud800"', 'invalid escape'],
    ['"a\nb"', 'control character'],
    ['{"a":1} x', 'trailing characters'],
    ['tru', 'invalid literal'],
    ['1.', 'invalid number'],
    ['[' .repeat(40) + ']'.repeat(40), 'nesting deeper'],
  ])('rejects %j (%s)', (text, message) => {
    const r = as.json(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });
});

describe('host canonicalization lower-cases ASCII only', () => {
  it.each(['\u212Aey.com', 'api.stripe.\u212Aom', '\u0130stanbul.example'])('rejects %j (Unicode case folding would turn it into ASCII)', (authority) => {
    expect(as.canonicalHost(authority)).toHaveProperty('reject');
  });
});

describe('agreement with the TS engine on random inputs', () => {
  const pathChars = fc.constantFrom('/', '.', '..', '%', '%2e', '%2E', '%2f', '%3B', '%3b', '%41', '%zz', '%7e', '%25', ';', '?', '#', '\\', 'a', 'B', '~', '\t', '\u00e9', '//');
  it('normalizes paths exactly as control-plane/canon/path.ts', () => {
    fc.assert(fc.property(fc.array(pathChars, { maxLength: 12 }).map((parts) => '/' + parts.join('')), (raw) => {
      const ts = normalizePath(raw);
      const mine = as.normalizePath(raw);
      expect(mine.ok).toBe(ts.ok);
      if (ts.ok && mine.ok) expect(mine.path).toBe(ts.path);
    }), { numRuns: 3000 });
  });

  const hostChars = fc.constantFrom('a', 'Z', '0', '1', '9', '.', '-', ':', '[', ']', 'x', 'f', '::', '255', '0x', '_', '\u00fc', '443');
  it('canonicalizes hosts exactly as control-plane/canon/host.ts', () => {
    fc.assert(fc.property(fc.array(hostChars, { maxLength: 10 }).map((parts) => parts.join('')), (authority) => {
      const ts = canonicalHost(authority);
      const mine = as.canonicalHost(authority);
      if (!ts.ok) {
        expect('reject' in mine, `${JSON.stringify(authority)}: TS rejects (${ts.reason}), AS gave ${JSON.stringify(mine)}`).toBe(true);
        return;
      }
      expect(mine).toEqual({ host: ts.host, ip: ts.kind === 'ip' ? (ts.ip.v === 4 ? 'v4' : 'v6') : null, port: ts.port });
    }), { numRuns: 3000 });
  });

  it('parses CIDRs and matches addresses as control-plane/canon/ip.ts', () => {
    const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
    fc.assert(fc.property(v4, fc.nat(33), v4, (base, prefix, address) => {
      const text = `${base}/${prefix}`;
      const ts = parseCidr(text);
      const mine = as.cidrContains(text, address);
      if (typeof ts === 'string') {
        expect(mine).toBe('invalid');
        return;
      }
      expect(mine).toBe(cidrContains(ts, parseIP(address)!));
    }), { numRuns: 2000 });
  });
});
