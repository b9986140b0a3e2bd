import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../control-plane/policy/diagnostics.js';
import { parsePolicy } from '../../control-plane/policy/load.js';

const head = `apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: t }
spec:
`;

/** A spec body; `^` marks where the one expected diagnostic must point (line and column). */
const cases: [name: string, body: string, code: string, severity?: 'warning'][] = [
  ['a duplicate segment name', `  workloads: [{ name: a, namespace: n, labels: { app: a } }]
  segments:
    - { name: s, to: { matchLabels: { app: a } }, from: [{}] }
    - { name: s, to: { matchLabels: { app: a } }, from: [{}] }
              ^`, 'MG_ERR_POLICY_DUPLICATE_NAME'],
  ['a duplicate workload', `  workloads:
    - { name: a, namespace: n }
    - { name: a, namespace: n }
              ^`, 'MG_ERR_POLICY_DUPLICATE_NAME'],
  ['an unknown operator', `  workloads: [{ name: a, namespace: n }]
  segments:
    - name: s
      to: { matchExpressions: [{ key: app, operator: Contains, values: [x] }] }
                                                     ^
      from: [{}]`, 'MG_ERR_POLICY_SELECTOR_OPERATOR'],
  ['In without values', `  workloads: [{ name: a, namespace: n }]
  segments:
    - name: s
      to: {}
      from:
        - matchExpressions:
            - key: app
              operator: In
                        ^`, 'MG_ERR_POLICY_SELECTOR_OPERATOR'],
  ['Exists with values', `  workloads: [{ name: a, namespace: n }]
  egress:
    - name: e
      from: { matchExpressions: [{ key: app, operator: Exists, values: [x] }] }
                                                                       ^
      hosts: [a.com]`, 'MG_ERR_POLICY_SELECTOR_OPERATOR'],
  ['a bad CIDR', `  blocklist:
    cidrs: ["10.0.0.0/8", "10.0.0.0/33"]
                          ^`, 'MG_ERR_POLICY_CIDR'],
  ['a CIDR that is not an address', `  blocklist:
    cidrs:
      - 10.0.0.256/8
        ^`, 'MG_ERR_POLICY_CIDR'],
  ['a malformed SPIFFE ID', `  workloads: [{ name: a, namespace: n }]
  segments:
    - name: s
      to: {}
      from: [{ principals: ["spiffe://Cluster.Local/ns/a/sa/b"] }]
                            ^`, 'MG_ERR_POLICY_SPIFFE_ID'],
  ['a principal pattern with * in the middle', `  workloads: [{ name: a, namespace: n }]
  segments:
    - name: s
      to: {}
      from: [{ principals: ["spiffe://cluster.local/*/sa/b"] }]
                            ^`, 'MG_ERR_POLICY_SPIFFE_ID'],
  ['a zero rate limit', `  workloads: [{ name: a, namespace: n }]
  segments:
    - name: s
      to: {}
      from: [{}]
      rateLimit: { requestsPerSecond: 0 }
                                      ^`, 'MG_ERR_POLICY_RATE_LIMIT'],
  ['a negative burst', `  workloads: [{ name: a, namespace: n }]
  segments:
    - name: s
      to: {}
      from: [{}]
      rateLimit: { requestsPerSecond: 5, burst: -1 }
                                                ^`, 'MG_ERR_POLICY_RATE_LIMIT'],
  ['an unknown field', `  workloads: [{ name: a, namespace: n }]
  segments:
    - name: s
      to: {}
      form: [{}]
      ^`, 'MG_ERR_POLICY_SCHEMA'],
  ['a wrong type', `  defaults:
    inbound: maybe
             ^`, 'MG_ERR_POLICY_SCHEMA'],
  ['a lower-case method', `  workloads: [{ name: a, namespace: n }]
  segments:
    - name: s
      to: {}
      from: [{}]
      rules: [{ methods: [GET, post] }]
                               ^`, 'MG_ERR_POLICY_METHOD'],
  ['an empty methods list (it would match nothing)', `  workloads: [{ name: a, namespace: n }]
  segments:
    - name: s
      to: {}
      from: [{}]
      rules: [{ methods: [] }]
                         ^`, 'MG_ERR_POLICY_SCHEMA'],
  ['a path pattern that is not normalized', `  workloads: [{ name: a, namespace: n }]
  segments:
    - name: s
      to: {}
      from: [{}]
      rules: [{ paths: ["/a//b"] }]
                        ^`, 'MG_ERR_POLICY_PATH_PATTERN'],
  ['an egress host with an IP', `  workloads: [{ name: a, namespace: n }]
  egress:
    - name: e
      from: {}
      hosts: ["1.2.3.4"]
              ^`, 'MG_ERR_POLICY_HOST_PATTERN'],
  ['an egress rule with no target', `  workloads: [{ name: a, namespace: n }]
  egress:
    - name: e
      ^
      from: {}`, 'MG_ERR_POLICY_EGRESS_TARGET'],
  ['a bad duration', `  response:
    quarantine: { denyRatio: 0.5, window: 60 seconds, for: 10m }
                                          ^`, 'MG_ERR_POLICY_DURATION'],
  ['a duplicate YAML key', `  trustDomain: a.local
  trustDomain: b.local
  ^`, 'MG_ERR_POLICY_YAML'],
  ['a selector that selects nothing', `  workloads: [{ name: a, namespace: n, labels: { app: a } }]
  segments:
    - name: s
      to: { matchLabels: { app: b } }
          ^
      from: [{}]`, 'MG_WARN_POLICY_SELECTS_NOTHING', 'warning'],
  ['a CIDR with host bits', `  blocklist:
    cidrs: ["10.1.2.3/8"]
            ^`, 'MG_WARN_POLICY_CIDR_HOST_BITS', 'warning'],
  ['an endpoint without a port', `  workloads:
    - { name: a, namespace: n, endpoints: ["10.1.0.12"] }
                                           ^`, 'MG_ERR_POLICY_ENDPOINT'],
  ['a from entry with principals and a selector', `  workloads: [{ name: a, namespace: n, labels: { app: a } }]
  segments:
    - name: s
      to: { matchLabels: { app: a } }
      from: [{ principals: ["spiffe://cluster.local/ns/n/sa/a"], matchLabels: { app: a } }]
                           ^`, 'MG_ERR_POLICY_FROM_ENTRY'],
  ['a principal that admits everyone', `  workloads: [{ name: a, namespace: n, labels: { app: a } }]
  segments:
    - name: s
      to: { matchLabels: { app: a } }
      from: [{ principals: ["*"] }]
                            ^`, 'MG_WARN_POLICY_ANY_PRINCIPAL', 'warning'],
];

function expectedPosition(body: string): { line: number; col: number; text: string } {
  const lines = body.split('\n');
  const caret = lines.findIndex((l) => /^\s*\^\s*$/.test(l));
  const col = lines[caret]!.indexOf('^') + 1;
  lines.splice(caret, 1);
  return { line: head.split('\n').length - 1 + caret, col, text: head + lines.join('\n') + '\n' };
}

describe('policy diagnostics point at FILE:LINE:COL', () => {
  it.each(cases)('%s', (_name, body, code, severity) => {
    const { line, col, text } = expectedPosition(body);
    const r = parsePolicy(text, 'p.yaml');
    const all = r.ok ? r.warnings : [...r.errors, ...r.warnings];
    expect(r.ok, all.map(formatDiagnostic).join('\n')).toBe(severity === 'warning');
    const where = new RegExp(`^p\\.yaml:${line}:${col}: ${severity === 'warning' ? 'warning: ' : ''}`);
    const shown = all.map(formatDiagnostic);
    expect(all.filter((d) => d.code === code).map(formatDiagnostic).some((d) => where.test(d)), shown.join('\n')).toBe(true);
  });

  it('reports every error of a file, not only the first', () => {
    const { text } = expectedPosition(cases[0]![1]);
    const bad = text.replace('spec:\n', 'spec:\n  defaults: { mtls: loose }\n  blocklist: { cidrs: [nope] }\n');
    const r = parsePolicy(bad, 'p.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(new Set(r.errors.map((e) => e.code))).toEqual(new Set(['MG_ERR_POLICY_SCHEMA', 'MG_ERR_POLICY_DUPLICATE_NAME', 'MG_ERR_POLICY_CIDR']));
  });

  it('fills the documented defaults', () => {
    const r = parsePolicy(head + '  workloads: [{ name: a, namespace: n }]\n', 'p.yaml');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const s = r.policy.spec;
    expect(s.trustDomain).toBe('cluster.local');
    expect(s.defaults).toEqual({ inbound: 'deny', egress: 'deny', mtls: 'strict' });
    expect(s.workloads[0]!.serviceAccount).toBe('default');
    expect(s.anomaly.mode).toBe('off');
  });

  it('the example policy is valid with no warnings', async () => {
    const { loadPolicyFile } = await import('../../control-plane/policy/load.js');
    const r = await loadPolicyFile(new URL('../../examples/shop.yaml', import.meta.url).pathname);
    expect(r.ok && r.warnings).toEqual([]);
  });
});
