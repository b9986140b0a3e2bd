// `meshguard explain`'s text for every engine case: the steps the decision functions write as they
// decide (engine/inbound.ts, engine/egress.ts), each outcome and detail, and the verdict with its
// reason. The expected text is test/fixtures/traces/engine-explain.txt, reviewed by hand; after a
// deliberate change of wording, rewrite it with MESHGUARD_UPDATE_TRACES=1 and review the diff.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { explainText } from '../../control-plane/cli/explain.js';
import { decide } from '../../control-plane/engine/decide.js';
import { Trace } from '../../control-plane/engine/trace.js';
import { toVerdict } from '../../control-plane/engine/verdict.js';
import type { CompiledPolicy } from '../../control-plane/policy/compiled.js';
import type { CheckInput } from '../../control-plane/engine/request.js';
import { egress, engineYaml, inbound } from '../fixtures/engine-cases.js';
import { compileYaml, id, input, type RequestSpec } from '../helpers/policy.js';

const GOLDEN = new URL('../fixtures/traces/engine-explain.txt', import.meta.url);

// Policies are compiled inside the tests, not at load (see engine.test.ts: the mutation run).
const engine = () => compileYaml(engineYaml);
/** DNS tunnelling enforced, and no blocklist: steps 3 and 4 take their other branches. */
const enforcing = () => compileYaml(
  engineYaml.replace(/ {2}blocklist:\n.*\n/, '') + '  dnsTunneling: { mode: enforce, maxLabelLength: 20, maxLabels: 6, entropyMinLength: 12, maxEntropy: 3.0 }\n',
);
const openYaml = readFileSync(new URL('../fixtures/policies/open-defaults.yaml', import.meta.url), 'utf8');
const open = () => compileYaml(openYaml);
/** Two workloads behind one identity, rules with several methods, ports and paths, two mesh domains. */
const edgesYaml = `apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: trace-edges }
spec:
  trustDomain: cluster.local
  defaults: { inbound: deny, egress: deny, mtls: permissive }
  meshDomains: [svc.cluster.local, mesh.internal]
  workloads:
    - { name: app-a, namespace: t, serviceAccount: app, labels: { app: app, variant: a } }
    - { name: app-b, namespace: t, serviceAccount: app, labels: { app: app, variant: b } }
    - { name: api, namespace: t, serviceAccount: api, labels: { app: api } }
  segments:
    - name: app-to-api
      to: { matchLabels: { app: api } }
      from: [{ matchLabels: { app: app } }]
      rules:
        - { methods: [GET, PUT], ports: [80, 81] }
        - { paths: ["/open/*", "/exact"] }
  egress:
    - name: both-to-example
      from: { matchLabels: { app: app } }
      hosts: ["example.com"]
      ports: [80, 8080]
    - name: a-to-extra
      from: { matchLabels: { variant: a } }
      hosts: ["extra.example"]
`;
const edges = () => compileYaml(edgesYaml);

const web = id('shop', 'web');
const app = id('t', 'app');
const tunnelHost = 'a9x3kq7zr2m8w1v5b6n0c4.jobs-exfil.example';
/** Over engine.yaml's default label limit (40 bytes, monitor mode). */
const longLabelHost = 'm4z8q2w7e1r5t9y3u6i0o4p8a2s6d1f5g9h3j7k2l6x0.example.net';

/** Cases beyond engine.test.ts's: the branches only the trace shows. */
type Case = [name: string, policy: () => CompiledPolicy, request: RequestSpec, patch?: (input: CheckInput) => CheckInput];
const extra: Case[] = [
  ['a second rule of the segment matches after the first misses', engine, { from: web, to: 'shop/api', method: 'POST', path: '/api/orders', port: 8080 }],
  ['a POST to a GET path names the method miss', engine, { from: web, to: 'shop/api', method: 'POST', path: '/api/items', port: 8080 }],
  ['a TCP check names the missing method', engine, { from: web, to: 'shop/api', noHttp: true, port: 8080 }],
  ['no peer identity on an unselected workload under permissive mTLS', open, { to: 'x/a', path: '/' }],
  ['a source the only segment does not admit', open, { to: 'x/b', path: '/' }],
  ['default egress allow', open, { to: 'x/a', outbound: true, host: 'example.com' }],
  ['a label over the limit is reported in monitor mode', engine, { to: 'jobs/batch', outbound: true, host: longLabelHost }],
  ['a long random label is denied in enforce mode', enforcing, { to: 'jobs/batch', outbound: true, host: tunnelHost }],
  ['an ordinary name in enforce mode', enforcing, { to: 'jobs/batch', outbound: true, host: 'www.example.org' }],
  ['an IP literal is not checked for tunnelling', enforcing, { to: 'pay/payments', outbound: true, host: '192.0.2.10:443' }],
  ['no blocklist: inbound', enforcing, { from: web, to: 'shop/api', path: '/api/items' }],
  ['no blocklist: egress', enforcing, { to: 'pay/payments', outbound: true, host: 'api.stripe.com:443' }],
  ['an authority port that is not the destination port', engine, { to: 'pay/payments', outbound: true, host: 'api.stripe.com:443', port: 8443 }],
  ['an IPv6 destination address without a host', engine, { to: 'pay/payments', outbound: true, host: '', destinationAddress: '2001:db8:1::9', port: 443 }],
  ['no host, SNI or destination address', engine, { to: 'pay/payments', outbound: true, host: '' }],
  ['an SNI that is an IP literal', engine, { to: 'pay/payments', outbound: true, noHttp: true, sni: '192.0.2.1', port: 443 }],
  ['the egress source from an unknown principal', engine, { from: id('ghost', 'x'), outbound: true, host: 'api.stripe.com:443' }],
  ['no egress source at all', engine, { outbound: true, host: 'api.stripe.com:443' }],
  ['a shared identity: every destination workload allows, one rate-limited segment', engine, { from: web, toPrincipal: id('shop', 'api'), path: '/api/items' }],
  ['the authority from the :authority header', engine, { to: 'pay/payments', outbound: true, host: '', headers: { ':authority': 'api.stripe.com:443' } }],
  ['the authority from the host header', engine, { to: 'pay/payments', outbound: true, host: '', headers: { host: 'API.stripe.com' }, scheme: 'https' }],
  ['an authority port equal to the destination port', engine, { to: 'pay/payments', outbound: true, host: 'api.stripe.com:443', port: 443 }],
  ['the http scheme means port 80', engine, { to: 'jobs/batch', outbound: true, host: 'example.org', scheme: 'HTTP' }],
  ['a name that only looks long enough to be below a mesh domain', engine, { to: 'pay/payments', outbound: true, host: 'x.aaaaaaaaaaaaaaaaa:443' }],
  ['an IPv6 literal is not checked for tunnelling', enforcing, { to: 'pay/payments', outbound: true, host: '[2001:db8:1::abcd:ef12]:443' }],
  ['an in-mesh host is not checked for tunnelling', enforcing, { to: 'pay/payments', outbound: true, host: 'a9x3kq7zr2m8w1v5b6n0c4.svc.cluster.local' }],
  ['a label with high entropy is denied in enforce mode', enforcing, { to: 'jobs/batch', outbound: true, host: 'q8w2e6r4t1y9u3i7.example' }],
  ['an unreadable source address without a blocklist', open, { to: 'x/a', path: '/', sourceAddress: 'pipe:/run/x.sock' }],
  ['no source address while a blocklist exists', engine, { from: web, to: 'shop/api', path: '/api/items' }, (i) => ({ ...i, source: { ...i.source, address: null } })],
  ['a request whose path and :path differ', engine, { from: web, to: 'shop/api', path: '/api/items' }, (i) => ({ ...i, http: { ...i.http!, conflict: 'path and :path differ' } })],
  ['an outbound request whose host and :authority differ', engine, { to: 'pay/payments', outbound: true, host: 'api.stripe.com:443' }, (i) => ({ ...i, http: { ...i.http!, conflict: 'host and :authority differ' } })],
  ['an explicit inbound direction', engine, { from: web, to: 'shop/api', path: '/api/items', direction: 'inbound' }],
  ['an unknown direction', engine, { from: web, to: 'shop/api', path: '/api/items', direction: 'sideways' }],
  ['rule 1 of two: methods and ports match', edges, { from: app, to: 't/api', method: 'PUT', path: '/x', port: 81 }],
  ['a method in neither rule', edges, { from: app, to: 't/api', method: 'DELETE', path: '/x', port: 80 }],
  ['a port in neither rule', edges, { from: app, to: 't/api', method: 'GET', path: '/x', port: 82 }],
  ['a rule without methods matches any method', edges, { from: app, to: 't/api', method: 'POST', path: '/open/x' }],
  ['an exact path does not match below itself', edges, { from: app, to: 't/api', method: 'POST', path: '/exact/more' }],
  ['an exact path matches itself', edges, { from: app, to: 't/api', method: 'POST', path: '/exact' }],
  ['a TCP check against a rule with paths', edges, { from: app, to: 't/api', noHttp: true, port: 443 }],
  ['a TCP check on a listed port', edges, { from: app, to: 't/api', noHttp: true, port: 80 }],
  ['egress from two workloads of one identity: both allow', edges, { from: app, outbound: true, host: 'example.com', port: 8080 }],
  ['egress from two workloads of one identity: one denies', edges, { from: app, outbound: true, host: 'extra.example', port: 443 }],
  ['egress on a port no rule lists', edges, { to: 't/app-a', outbound: true, host: 'example.com', port: 443 }],
  ['a host below the second mesh domain', edges, { to: 't/app-a', outbound: true, host: 'db.mesh.internal' }],
];

/** The explanation, then the decision's fields the verdict line leaves out. */
function explained(policy: CompiledPolicy, request: CheckInput, n: number): string {
  const trace = new Trace();
  const decision = decide(policy, request, trace);
  const limited = decision.limited.map((s) => s.name).join(', ') || '(none)';
  return `${explainText(trace, toVerdict(decision), n)}  direction: ${decision.direction}; rate-limited by: ${limited}; dnsSuspicious: ${decision.dnsSuspicious}\n`;
}

const cases: Case[] = [
  ...inbound.map(([name, spec]): Case => [name, engine, spec]),
  ...egress.map(([name, spec]): Case => [name, engine, spec]),
  ...extra,
];
function section(i: number): string {
  const [name, policy, spec, patch] = cases[i]!;
  return `# ${name}\n${explained(policy(), patch ? patch(input(spec)) : input(spec), i + 1)}`;
}

describe('explain text of the engine cases', () => {
  if (process.env['MESHGUARD_UPDATE_TRACES'] === '1') {
    it('rewrites the expected text', () => {
      writeFileSync(GOLDEN, cases.map((_, i) => section(i)).join('\n'));
    });
    return;
  }
  const expected = readFileSync(GOLDEN, 'utf8').split(/\n(?=# )/);

  it('has one explanation per case', () => {
    expect(expected.length).toBe(cases.length);
  });

  it.each(cases.map(([name], i) => [name, i] as const))('%s', (_name, i) => {
    expect(section(i)).toBe(expected[i]);
  });
});
