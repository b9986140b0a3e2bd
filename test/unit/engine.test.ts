import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { decide } from '../../control-plane/engine/decide.js';
import { compileYaml, id, input, type RequestSpec } from '../helpers/policy.js';

const engineYaml = readFileSync(new URL('../fixtures/policies/engine.yaml', import.meta.url), 'utf8');
const policy = compileYaml(engineYaml);

type Expect = [decision: 'allow' | 'deny', status: number, rule: string | null];
const web = id('shop', 'web');
const batch = id('jobs', 'batch');
const payments = id('pay', 'payments');
const api = 'shop/api';

const inbound: [string, RequestSpec, Expect][] = [
  ['web may GET an /api/ path on api', { from: web, to: api, path: '/api/items' }, ['allow', 200, 'web-to-api']],
  ['a traversal out of /api/ is resolved before matching', { from: web, to: api, path: '/api/../admin' }, ['deny', 403, null]],
  ['encoded dots are decoded, then resolved', { from: web, to: api, path: '/api/%2e%2e/admin' }, ['deny', 403, null]],
  ['merged slashes still match', { from: web, to: api, path: '/api//items' }, ['allow', 200, 'web-to-api']],
  ['path matching is case-sensitive', { from: web, to: api, path: '/API/items' }, ['deny', 403, null]],
  ['methods match exactly (lower-case get is not GET)', { from: web, to: api, method: 'get', path: '/api/items' }, ['deny', 403, null]],
  ['a *suffix pattern matches', { from: web, to: api, path: '/data/x.json' }, ['allow', 200, 'web-to-api']],
  ['the query is not part of the matched path', { from: web, to: api, path: '/data/x.json?y=/api/' }, ['allow', 200, 'web-to-api']],
  ['a rule port matches the destination port', { from: web, to: api, method: 'POST', path: '/api/orders', port: 8080 }, ['allow', 200, 'web-to-api']],
  ['another destination port does not match', { from: web, to: api, method: 'POST', path: '/api/orders', port: 9090 }, ['deny', 403, null]],
  ['an unknown destination port does not match a rule with ports', { from: web, to: api, method: 'POST', path: '/api/orders' }, ['deny', 403, null]],
  ['an encoded slash is a bad request', { from: web, to: api, path: '/api/a%2fb' }, ['deny', 400, null]],
  ['a fragment is a bad request', { from: web, to: api, path: '/api/x#y' }, ['deny', 400, null]],
  ['..; is a bad request', { from: web, to: api, path: '/api/..;/admin' }, ['deny', 400, null]],
  ['an exact principal is admitted', { from: id('ops', 'prober'), to: api, path: '/healthz' }, ['allow', 200, 'web-to-api']],
  ['a prefix principal is admitted', { from: id('audit', 'anyone'), to: api, path: '/healthz' }, ['allow', 200, 'web-to-api']],
  ['a malformed principal under the prefix is not', { from: 'spiffe://cluster.local/ns/audit/sa/x/../y', to: api, path: '/healthz' }, ['deny', 403, null]],
  ['a prefix stops at the label boundary it was written with', { from: id('auditors', 'x'), to: api, path: '/healthz' }, ['deny', 403, null]],
  ['a namespace-only selector admits inventory identities', { from: batch, to: api, path: '/api/reports/1' }, ['allow', 200, 'jobs-to-api']],
  ['a namespace-only selector admits identities outside the inventory', { from: id('jobs', 'ghost'), to: api, path: '/api/reports/1' }, ['allow', 200, 'jobs-to-api']],
  ['a namespace-only selector is bound to the trust domain', { from: id('jobs', 'batch', 'evil.local'), to: api, path: '/api/reports/1' }, ['deny', 403, null]],
  ['matchExpressions In narrows the destination', { from: batch, to: 'shop/api-canary', path: '/api/reports/1' }, ['deny', 403, null]],
  ['strict mTLS denies a request without a verified identity', { to: api, path: '/api/items', headers: { 'x-forwarded-client-cert': `URI=${web}` } }, ['deny', 403, null]],
  ['a blocklisted source address is denied', { from: web, to: api, path: '/api/items', sourceAddress: '203.0.113.7' }, ['deny', 403, null]],
  ['a blocklisted source written as IPv4-mapped IPv6 is denied', { from: web, to: api, path: '/api/items', sourceAddress: '::ffff:203.0.113.7' }, ['deny', 403, null]],
  ['a blocklisted IPv6 source is denied', { from: web, to: api, path: '/api/items', sourceAddress: '2001:db8:dead::1' }, ['deny', 403, null]],
  ['an unreadable source address fails closed while a blocklist exists', { from: web, to: api, path: '/api/items', sourceAddress: '0x7f.1' }, ['deny', 403, null]],
  ['the blocklist is checked before the path', { from: web, to: api, path: '/a%2fb', sourceAddress: '203.0.113.7' }, ['deny', 403, null]],
  ['the destination may come from destination.principal', { from: web, toPrincipal: id('shop', 'api'), path: '/api/items' }, ['allow', 200, 'web-to-api']],
  ['every workload of a shared identity must allow', { from: batch, toPrincipal: id('shop', 'api'), path: '/api/reports/1' }, ['deny', 403, null]],
  ['an unknown workload is denied', { from: web, to: 'shop/nope', path: '/' }, ['deny', 403, null]],
  ['no destination at all is denied', { from: web, path: '/' }, ['deny', 403, null]],
  ['a workload no segment selects gets the default', { from: web, to: 'shop/orphan', path: '/' }, ['deny', 403, null]],
  ['NotIn and Exists match a workload that lacks the NotIn key', { from: web, to: 'shop/legacy', path: '/anything' }, ['allow', 200, 'anyone-in-shop-to-legacy']],
  ['selector from-entries do not admit identities outside the inventory', { from: id('shop', 'ghost'), to: 'shop/legacy', path: '/' }, ['deny', 403, null]],
  ['{} admits every inventory identity', { from: id('jobs', 'reports'), to: 'pay/payments', method: 'HEAD', path: '/x' }, ['allow', 200, 'all-to-payments-health']],
  ['{} does not admit identities outside the inventory', { from: id('ghost', 'x'), to: 'pay/payments', method: 'HEAD', path: '/x' }, ['deny', 403, null]],
  ['a TCP check (no HTTP) passes a segment without rules', { from: web, to: 'shop/legacy', noHttp: true }, ['allow', 200, 'anyone-in-shop-to-legacy']],
  ['a TCP check does not pass rules that need a method', { from: web, to: api, noHttp: true }, ['deny', 403, null]],
  ['an unknown direction is denied', { from: web, to: api, path: '/api/items', direction: 'sideways' }, ['deny', 403, null]],
];

const pay = 'pay/payments';
const egress: [string, RequestSpec, Expect][] = [
  ['an exact host on a listed port', { to: pay, outbound: true, host: 'api.stripe.com', scheme: 'https' }, ['allow', 200, 'payments-to-stripe']],
  ['an unlisted port', { to: pay, outbound: true, host: 'api.stripe.com:8443' }, ['deny', 403, null]],
  ['no port known at all does not match a rule with ports', { to: pay, outbound: true, host: 'api.stripe.com' }, ['deny', 403, null]],
  ['the port can come from the destination address', { to: pay, outbound: true, host: 'api.stripe.com', port: 443 }, ['allow', 200, 'payments-to-stripe']],
  ['host case and one trailing dot do not matter', { to: pay, outbound: true, host: 'API.Stripe.COM.', scheme: 'https' }, ['allow', 200, 'payments-to-stripe']],
  ['*.x.com does not match x.com', { to: pay, outbound: true, host: 'stripe.com:443' }, ['deny', 403, null]],
  ['*.x.com matches several labels below', { to: pay, outbound: true, host: 'a.b.stripe.com:443' }, ['allow', 200, 'payments-to-stripe']],
  ['a suffix must end at a label boundary', { to: pay, outbound: true, host: 'evilstripe.com:443' }, ['deny', 403, null]],
  ['an allowed name as a prefix of another domain is not allowed', { to: pay, outbound: true, host: 'api.stripe.com.evil.com:443' }, ['deny', 403, null]],
  ['an IP literal inside cidrs', { to: pay, outbound: true, host: '192.0.2.10:443' }, ['allow', 200, 'payments-to-stripe']],
  ['an IPv6 literal inside cidrs', { to: pay, outbound: true, host: '[2001:db8:1::5]:443' }, ['allow', 200, 'payments-to-stripe']],
  ['an IP literal outside cidrs', { to: pay, outbound: true, host: '198.51.100.1:443' }, ['deny', 403, null]],
  ['an integer IPv4 is denied', { to: pay, outbound: true, host: '3221225994:443' }, ['deny', 403, null]],
  ['an octal IPv4 is denied', { to: pay, outbound: true, host: '0300.0.2.10:443' }, ['deny', 403, null]],
  ['a host strictly under a mesh domain is in-mesh', { to: pay, outbound: true, host: 'orders.shop.svc.cluster.local' }, ['allow', 200, null]],
  ['the mesh domain itself is not in-mesh', { to: pay, outbound: true, host: 'svc.cluster.local:443' }, ['deny', 403, null]],
  ['a look-alike of a mesh domain is not in-mesh', { to: pay, outbound: true, host: 'evilsvc.cluster.local:443' }, ['deny', 403, null]],
  ['a blocklisted IP literal is denied', { to: pay, outbound: true, host: '203.0.113.5:443' }, ['deny', 403, null]],
  ['a blocklisted IPv4-mapped literal is denied', { to: pay, outbound: true, host: '[::ffff:203.0.113.5]:443' }, ['deny', 403, null]],
  ['a name resolved to a blocklisted destination address is denied', { to: pay, outbound: true, host: 'api.stripe.com:443', destinationAddress: '203.0.113.5' }, ['deny', 403, null]],
  ['the blocklist also applies to in-mesh hosts', { to: pay, outbound: true, host: 'x.svc.cluster.local', destinationAddress: '203.0.113.9' }, ['deny', 403, null]],
  ['hosts: ["*"] allows any name', { to: 'jobs/batch', outbound: true, host: 'anything.example.org' }, ['allow', 200, 'batch-anywhere-http']],
  ['hosts: ["*"] does not allow IP literals', { to: 'jobs/batch', outbound: true, host: '8.8.8.8' }, ['deny', 403, null]],
  ['a workload no egress rule selects gets the default', { to: 'shop/web', outbound: true, host: 'api.stripe.com:443' }, ['deny', 403, null]],
  ['an unknown source workload is denied', { to: 'shop/nope', outbound: true, host: 'api.stripe.com:443' }, ['deny', 403, null]],
  ['the source workload may come from source.principal', { from: payments, outbound: true, host: 'api.stripe.com:443' }, ['allow', 200, 'payments-to-stripe']],
  ['a raw IDN is denied', { to: pay, outbound: true, host: 'bücher.stripe.com:443' }, ['deny', 403, null]],
  ['an underscore is denied', { to: pay, outbound: true, host: 'a_b.stripe.com:443' }, ['deny', 403, null]],
  ['userinfo in the authority is denied', { to: pay, outbound: true, host: 'evil.com@api.stripe.com:443' }, ['deny', 403, null]],
  ['a TCP check decides on the TLS SNI', { to: pay, outbound: true, noHttp: true, sni: 'api.stripe.com', port: 443 }, ['allow', 200, 'payments-to-stripe']],
  ['a TCP check with a disallowed SNI is denied', { to: pay, outbound: true, noHttp: true, sni: 'evil.example', port: 443 }, ['deny', 403, null]],
  ['without a host the destination address is the host', { to: pay, outbound: true, host: '', destinationAddress: '192.0.2.9', port: 443 }, ['allow', 200, 'payments-to-stripe']],
];

describe('inbound decisions on the engine policy', () => {
  it.each(inbound)('%s', (_name, spec, [decision, status, rule]) => {
    const d = decide(policy, input(spec));
    expect({ decision: d.decision, status: d.status, rule: d.rule }, d.reason).toEqual({ decision, status, rule });
    expect(d.reason.length).toBeGreaterThan(0);
  });
});

describe('egress decisions on the engine policy', () => {
  it.each(egress)('%s', (_name, spec, [decision, status, rule]) => {
    const d = decide(policy, input(spec));
    expect({ decision: d.decision, status: d.status, rule: d.rule }, d.reason).toEqual({ decision, status, rule });
  });
});

describe('decisions do not depend on the order of segments and egress rules', () => {
  const doc = parse(engineYaml) as { spec: { segments: unknown[]; egress: unknown[] } };
  const permutations = (n: number): number[][] => (n === 1 ? [[0]] : permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)])));
  it.each(permutations(doc.spec.segments.length).map((p) => [p.join(','), p] as const))('segment order %s', (_name, order) => {
    const permuted = { ...doc, spec: { ...doc.spec, segments: order.map((i) => doc.spec.segments[i]), egress: [...doc.spec.egress].reverse() } };
    const p2 = compileYaml(stringify(permuted));
    for (const [name, spec, [decision, status, rule]] of [...inbound, ...egress]) {
      const d = decide(p2, input(spec));
      expect({ decision: d.decision, status: d.status, rule: d.rule }, name).toEqual({ decision, status, rule });
    }
  });
});

describe('open defaults', () => {
  const open = compileYaml(readFileSync(new URL('../fixtures/policies/open-defaults.yaml', import.meta.url), 'utf8'));
  it('permissive mTLS lets an unauthenticated request reach an unselected workload under default allow', () => {
    expect(decide(open, input({ to: 'x/a', path: '/' })).decision).toBe('allow');
  });
  it('a selected workload still needs a segment that admits the source', () => {
    const d = decide(open, input({ to: 'x/b', path: '/' }));
    expect([d.decision, d.status]).toEqual(['deny', 403]);
    expect(decide(open, input({ from: id('x', 'default'), to: 'x/b', path: '/' })).decision).toBe('allow');
  });
  it('default egress allow lets an unselected workload out', () => {
    expect(decide(open, input({ to: 'x/a', outbound: true, host: 'example.com' })).decision).toBe('allow');
  });
  it('default egress allow still rejects a non-canonical IPv4', () => {
    expect(decide(open, input({ to: 'x/a', outbound: true, host: '127.1' })).decision).toBe('deny');
  });
});
