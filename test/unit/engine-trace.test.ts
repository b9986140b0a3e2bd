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

const web = id('shop', 'web');
const tunnelHost = 'a9x3kq7zr2m8w1v5b6n0c4.jobs-exfil.example';
/** Over engine.yaml's default label limit (40 bytes, monitor mode). */
const longLabelHost = 'm4z8q2w7e1r5t9y3u6i0o4p8a2s6d1f5g9h3j7k2l6x0.example.net';

/** Cases beyond engine.test.ts's: the branches only the trace shows. */
type Case = [name: string, policy: () => CompiledPolicy, request: RequestSpec];
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
];

function explained(policy: CompiledPolicy, spec: RequestSpec, n: number): string {
  const trace = new Trace();
  const decision = decide(policy, input(spec), trace);
  const suspicious = decision.dnsSuspicious ? '  dnsSuspicious: true\n' : '';
  return explainText(trace, toVerdict(decision), n) + suspicious;
}

const cases: Case[] = [
  ...inbound.map(([name, spec]): Case => [name, engine, spec]),
  ...egress.map(([name, spec]): Case => [name, engine, spec]),
  ...extra,
];
const section = (i: number): string => `# ${cases[i]![0]}\n${explained(cases[i]![1](), cases[i]![2], i + 1)}`;

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
