import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { policyUnderAudit, runAudit, loadPolicyUnderAudit } from '../../control-plane/compliance/audit.js';
import { CONTROLS } from '../../control-plane/compliance/controls.js';
import { readDrift } from '../../control-plane/compliance/drift.js';
import { loadManifests } from '../../control-plane/compliance/manifests.js';
import { renderIstio } from '../../control-plane/istio/render.js';
import { DEFAULT_RENDER_OPTIONS } from '../../control-plane/istio/types.js';
import { writeBundle } from '../../control-plane/istio/write.js';
import { EXAMPLE_POLICY, runMeshguard } from '../helpers/cli.js';

const MANIFESTS = fileURLToPath(new URL('./fixtures/manifests/', import.meta.url));
const OVERLAP = fileURLToPath(new URL('./fixtures/overlap.yaml', import.meta.url));

const HEAD = `apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: t }
spec:
  trustDomain: cluster.local
`;
const TWO = `  workloads:
    - { name: a, namespace: n, serviceAccount: a, labels: { app: a } }
    - { name: b, namespace: n, serviceAccount: b, labels: { app: b } }
`;
const STRICT = '  defaults: { inbound: deny, egress: deny, mtls: strict }\n  anomaly: { mode: monitor, threshold: 10 }\n';

function audit(body: string) {
  const p = policyUnderAudit(HEAD + body, 'p.yaml');
  if (!p.ok) throw new Error(p.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join('\n'));
  return runAudit({ policy: p.value }).findings;
}

const ids = (body: string) => audit(body).map((f) => f.control).sort();

describe('policy controls (MG-POL-*)', () => {
  const cases: [name: string, body: string, expected: string[]][] = [
    ['a tight policy has no finding', STRICT + TWO + `  segments:
    - { name: a-to-b, to: { matchLabels: { app: b } }, from: [{ matchLabels: { app: a } }] }
    - { name: b-to-a, to: { matchLabels: { app: a } }, from: [{ matchLabels: { app: b } }], rules: [{ methods: [GET] }] }
  egress:
    - { name: a-out, from: { matchLabels: { app: a } }, hosts: [api.example.com], ports: [443] }
`, []],
    ['permissive mTLS, open defaults, anomaly off', '  defaults: { inbound: allow, egress: allow, mtls: permissive }\n  anomaly: { mode: off, threshold: 10 }\n' + TWO + `  segments:
    - { name: a-to-b, to: { matchLabels: { app: b } }, from: [{ matchLabels: { app: a } }] }
`, ['MG-POL-001', 'MG-POL-002', 'MG-POL-003', 'MG-POL-011', 'MG-POL-013']],
    ['{} to {} is any-to-any', STRICT + TWO + `  segments:
    - { name: all, to: {}, from: [{}] }
`, ['MG-POL-004']],
    ['principal * to everything is any-to-any', STRICT + TWO + `  segments:
    - { name: star, to: {}, from: [{ principals: ["*"] }] }
`, ['MG-POL-004']],
    ['a from that admits every inventory identity', STRICT + TWO + `  segments:
    - { name: to-a, to: { matchLabels: { app: a } }, from: [{ namespace: n }] }
    - { name: to-b, to: { matchLabels: { app: b } }, from: [{ matchLabels: { app: a } }] }
`, ['MG-POL-005']],
    ['unused segments and egress rules', STRICT + TWO + `  segments:
    - { name: a-to-b, to: { matchLabels: { app: b } }, from: [{ matchLabels: { app: a } }] }
    - { name: b-to-a, to: { matchLabels: { app: a } }, from: [{ matchLabels: { app: b } }] }
    - { name: to-nobody, to: { matchLabels: { app: zzz } }, from: [{ matchLabels: { app: a } }] }
    - { name: from-nobody, to: { matchLabels: { app: a } }, from: [{ matchLabels: { app: zzz } }] }
  egress:
    - { name: nobody-out, from: { matchLabels: { app: zzz } }, hosts: [api.example.com] }
`, ['MG-POL-009', 'MG-POL-009', 'MG-POL-010']],
    ['wildcard egress host and broad CIDRs', STRICT + TWO + `  segments:
    - { name: a-to-b, to: { matchLabels: { app: b } }, from: [{ matchLabels: { app: a } }] }
    - { name: b-to-a, to: { matchLabels: { app: a } }, from: [{ matchLabels: { app: b } }] }
  egress:
    - { name: any, from: { matchLabels: { app: a } }, hosts: ["*"] }
    - { name: nets, from: { matchLabels: { app: a } }, cidrs: ["0.0.0.0/0", "10.0.0.0/7", "10.0.0.0/8", "::/0", "2001:db8::/16"] }
`, ['MG-POL-006', 'MG-POL-007', 'MG-POL-007', 'MG-POL-007', 'MG-POL-007']],
    ['a shared service account with different labels; labels that cannot tell workloads apart', STRICT + `  workloads:
    - { name: api, namespace: n, serviceAccount: shared, labels: { app: api } }
    - { name: api-v2, namespace: n, serviceAccount: shared, labels: { app: api, version: v2 } }
  segments:
    - { name: self, to: { namespace: n, matchLabels: { app: api } }, from: [{ principals: ["spiffe://cluster.local/ns/other/sa/x"] }] }
`, ['MG-POL-008', 'MG-POL-012']],
  ];
  for (const [name, body, expected] of cases) {
    it(name, () => expect(ids(body)).toEqual(expected));
  }

  it('severities follow the case: wide CIDRs, unreached workloads under allow vs deny', () => {
    const f = audit(STRICT + TWO + `  segments:
    - { name: a-to-b, to: { matchLabels: { app: b } }, from: [{ matchLabels: { app: a } }] }
  egress:
    - { name: nets, from: { matchLabels: { app: a } }, cidrs: ["0.0.0.0/0", "10.0.0.0/7"] }
`);
    expect(f.filter((x) => x.control === 'MG-POL-007').map((x) => x.severity)).toEqual(['high', 'medium']);
    expect(f.find((x) => x.control === 'MG-POL-011')).toMatchObject({ severity: 'low', message: expect.stringContaining('n/a: no segment selects it') });
  });

  it('points at the line and column of what is wrong', () => {
    const f = audit(STRICT.replace('mtls: strict', 'mtls: permissive') + TWO + `  segments:
    - { name: a-to-b, to: { matchLabels: { app: b } }, from: [{ matchLabels: { app: a } }] }
    - name: unused
      to: { matchLabels: { app: nope } }
      from: [{ matchLabels: { app: a } }]
  egress:
    - { name: any, from: { matchLabels: { app: a } }, hosts: ["api.x.com", "*"] }
`);
    const at = (c: string) => f.filter((x) => x.control === c).map((x) => `${x.location.file}:${x.location.line}:${x.location.col}`);
    expect(at('MG-POL-001')).toEqual(['p.yaml:6:50']);
    expect(at('MG-POL-009')).toEqual(['p.yaml:13:7']);
    expect(at('MG-POL-006')).toEqual(['p.yaml:17:76']);
    expect(at('MG-POL-011')).toEqual(['p.yaml:9:7']);
  });

  it('the example policy passes every policy control', async () => {
    const p = await loadPolicyUnderAudit(EXAMPLE_POLICY);
    if (!p.ok) throw new Error('example');
    expect(runAudit({ policy: p.value }).findings).toEqual([]);
  });

  it('every control is documented in the operator guide (istio/README.md, or the main README once merged)', async () => {
    const { readFile } = await import('node:fs/promises');
    const docs = (await Promise.all(['../../istio/README.md', '../../README.md'].map((f) => readFile(fileURLToPath(new URL(f, import.meta.url)), 'utf8').catch(() => '')))).join('\n');
    for (const id of Object.keys(CONTROLS)) expect(docs, id).toContain(`| ${id} |`);
  });

  it('every control has a title, a fix and a NIST SP 800-190 reference; CIS ones are numbered', () => {
    for (const [id, c] of Object.entries(CONTROLS)) {
      expect(id).toMatch(/^MG-(POL|K8S|WASM|XDS)-\d{3}$/);
      expect(c.title.length).toBeGreaterThan(5);
      expect(c.fix.length).toBeGreaterThan(10);
      expect(c.nist.length).toBeGreaterThan(0);
      for (const n of c.nist) expect(n).toMatch(/^NIST SP 800-190 3\.\d\.\d \/ 4\.\d\.\d \(/);
      for (const r of c.cis) expect(r).toMatch(/^CIS 5\.\d+\.\d+ \(/);
    }
  });
});

describe('Kubernetes manifest controls (MG-K8S-*, MG-WASM-001)', () => {
  it('finds what the fixtures hold, at the right lines, and nothing in the hardened StatefulSet', async () => {
    const set = await loadManifests(MANIFESTS, MANIFESTS);
    const p = await loadPolicyUnderAudit(EXAMPLE_POLICY);
    if (!p.ok) throw new Error('example');
    const found = runAudit({ policy: p.value, manifests: set }).findings.filter((f) => f.location.file !== EXAMPLE_POLICY)
      .map((f) => `${f.control} ${f.severity} ${f.location.file}:${f.location.line}`).sort();
    expect(found).toEqual([
      'MG-K8S-001 high host.yaml:21', 'MG-K8S-001 high nested/jobs.yaml:30', 'MG-K8S-001 high workloads.yaml:13',
      'MG-K8S-002 critical host.yaml:20',
      'MG-K8S-003 medium host.yaml:22', 'MG-K8S-003 medium workloads.yaml:13',
      'MG-K8S-004 medium workloads.yaml:13',
      'MG-K8S-005 medium host.yaml:15', 'MG-K8S-005 medium workloads.yaml:13',
      'MG-K8S-006 medium nested/jobs.yaml:34', 'MG-K8S-006 medium workloads.yaml:13',
      'MG-K8S-007 critical host.yaml:25',
      'MG-K8S-008 low nested/jobs.yaml:33', 'MG-K8S-008 medium nested/jobs.yaml:14', 'MG-K8S-008 medium workloads.yaml:14',
      'MG-K8S-009 high host.yaml:11', 'MG-K8S-010 high host.yaml:12', 'MG-K8S-011 high host.yaml:13', 'MG-K8S-012 high host.yaml:34',
      'MG-K8S-013 medium host.yaml:29',
      'MG-K8S-014 medium nested/jobs.yaml:16', 'MG-K8S-014 medium workloads.yaml:13',
      'MG-WASM-001 high envoy.yaml:23', 'MG-WASM-001 high wasm.yaml:30', 'MG-WASM-001 high wasm.yaml:6',
    ]);
    expect(set.unreadable.map((u) => `${u.location.file}:${u.location.line}`)).toEqual(['broken.yaml:3']);
    expect(set.manifests.map((m) => m.kind).sort()).toEqual(['', 'CronJob', 'DaemonSet', 'Deployment', 'EnvoyFilter', 'Pod', 'Service', 'StatefulSet', 'WasmPlugin', 'WasmPlugin']);
  });

  it('the rendered Istio install passes, except the documented image placeholder (and unbuilt modules)', async () => {
    const out = await mkdtemp(join(tmpdir(), 'mg-audit-istio-'));
    const wasmDir = await mkdtemp(join(tmpdir(), 'mg-wasm-'));
    for (const m of ['identity', 'egress', 'anomaly']) await writeFile(join(wasmDir, `${m}.wasm.sha256`), 'cd'.repeat(32));
    const p = await loadPolicyUnderAudit(EXAMPLE_POLICY);
    if (!p.ok) throw new Error('example');
    await writeBundle(renderIstio(p.value.compiled, { ...DEFAULT_RENDER_OPTIONS, wasmDir, policyText: 'x' }), out);
    const findings = runAudit({ policy: p.value, manifests: await loadManifests(out), wasmDir }).findings;
    expect(findings.map((f) => `${f.control} ${f.severity} ${f.message}`)).toEqual([
      `MG-K8S-008 low Deployment meshguard-system/meshguard container meshguard: image ${DEFAULT_RENDER_OPTIONS.image} carries a placeholder digest`,
    ]);
    const unbuilt = await mkdtemp(join(tmpdir(), 'mg-nowasm-'));
    await writeBundle(renderIstio(p.value.compiled, { ...DEFAULT_RENDER_OPTIONS, wasmDir: unbuilt, policyText: 'x' }), out);
    const wasm = runAudit({ policy: p.value, manifests: await loadManifests(out), wasmDir: unbuilt }).findings.filter((f) => f.control === 'MG-WASM-001');
    expect(wasm).toHaveLength(3 + 3 * p.value.compiled.workloads.size);
  });
});

describe('drift (MG-XDS-001)', () => {
  it('says so while the xDS status lists no nodes', () => {
    expect(readDrift(undefined)).toMatchObject({ available: false });
    expect(readDrift(() => ({ port: 1, connectedNodes: 0 }))).toMatchObject({ available: false });
  });

  it('reports nodes whose ACKed version is not the intended one, in either status shape', () => {
    const mine = readDrift(() => ({ nodes: [
      { node: 'n1', workload: 'shop/api', intendedVersion: 'v2', ackedVersion: 'v1', lastNack: 'bad listener' },
      { node: 'n2', workload: 'shop/db', intendedVersion: 'v2', ackedVersion: 'v2' },
    ] }));
    expect(mine).toMatchObject({ available: true, nodes: 2 });
    if (!mine.available) throw new Error();
    expect(mine.findings.map((f) => f.message)).toEqual(['node n1 (shop/api) runs v1, intended v2; NACK: bad listener']);
    const xds = readDrift(() => ({ nodes: [{ id: 'envoy-1', workload: 'shop/api', types: {
      LDS: { sent: '7', acked: '6', lastNack: { version: '7', error: 'invalid filter' } },
      CDS: { sent: '7', acked: '6', lastNack: null },
      RDS: { sent: '7', acked: '7', lastNack: null },
    } }] }));
    if (!xds.available) throw new Error();
    expect(xds.findings.map((f) => f.message)).toEqual(['node envoy-1 LDS (shop/api) runs 6, intended 7; NACK: invalid filter']);
  });
});

describe('meshguard audit (CLI)', () => {
  it('table by default, exit 0 without --fail-on whatever it finds', async () => {
    const r = await runMeshguard(['audit', '--policy', OVERLAP, '--manifests', MANIFESTS]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^SEVERITY\s+CONTROL\s+LOCATION\s+FINDING/);
    expect(r.stdout).toMatch(/critical\s+MG-K8S-002\s+\S*host\.yaml:20:13/);
    expect(r.stdout).toMatch(/\d+ findings: 2 critical, \d+ high/);
    expect(r.stdout).toMatch(/refs: NIST SP 800-190/);
    expect(r.stderr).toMatch(/broken\.yaml:3:\d+: not valid YAML/);
  });

  it('--fail-on sets exit 1 when a finding is at or above it', async () => {
    expect((await runMeshguard(['audit', '--policy', OVERLAP, '--fail-on', 'critical'])).code).toBe(0);
    expect((await runMeshguard(['audit', '--policy', OVERLAP, '--fail-on', 'high'])).code).toBe(1);
    expect((await runMeshguard(['audit', '--policy', OVERLAP, '--manifests', MANIFESTS, '--fail-on', 'critical'])).code).toBe(1);
    expect((await runMeshguard(['audit', '--policy', EXAMPLE_POLICY, '--wasm-dir', MANIFESTS, '--fail-on', 'low'])).code).toBe(1);
    const clean = await mkdtemp(join(tmpdir(), 'mg-wasm-'));
    for (const m of ['identity', 'egress', 'anomaly']) await writeFile(join(clean, `${m}.wasm.sha256`), 'ab'.repeat(32));
    const r = await runMeshguard(['audit', '--policy', EXAMPLE_POLICY, '--wasm-dir', clean, '--fail-on', 'low']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^0 findings/);
  });

  it('json and sarif formats', async () => {
    const j = await runMeshguard(['audit', '--policy', OVERLAP, '--format', 'json']);
    const doc = JSON.parse(j.stdout) as { tool: string; summary: Record<string, number>; findings: { control: string; location: { line: number }; references: { nist: string[] } }[] };
    expect(doc.tool).toBe('meshguard');
    expect(doc.findings.length).toBe(Object.values(doc.summary).reduce((a, b) => a + b, 0));
    expect(doc.findings.every((f) => f.location.line > 0 && f.references.nist.length > 0)).toBe(true);
    const s = await runMeshguard(['audit', '--policy', OVERLAP, '--format', 'sarif']);
    expect(JSON.parse(s.stdout)).toMatchObject({ version: '2.1.0', runs: [{ tool: { driver: { name: 'meshguard' } } }] });
  });

  it('usage errors exit 2; an invalid policy exits 1 with its diagnostics', async () => {
    expect((await runMeshguard(['audit', '--policy', OVERLAP, '--format', 'xml'])).code).toBe(2);
    expect((await runMeshguard(['audit', '--policy', OVERLAP, '--fail-on', 'severe'])).code).toBe(2);
    expect((await runMeshguard(['audit', '--policy', OVERLAP, '--manifests', '/nonexistent'])).code).toBe(2);
    const bad = join(await mkdtemp(join(tmpdir(), 'mg-')), 'bad.yaml');
    await writeFile(bad, HEAD + '  workloads: [{ name: A, namespace: n }]\n');
    const r = await runMeshguard(['audit', '--policy', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.yaml:6:\d+: .*MG_ERR_POLICY_NAME/);
  });
});
