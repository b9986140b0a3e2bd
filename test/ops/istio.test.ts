import { mkdtemp, readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderIstio } from '../../control-plane/istio/render.js';
import { labelsMatch, workloadSelections } from '../../control-plane/istio/selectors.js';
import { DEFAULT_RENDER_OPTIONS, WORKLOAD_LABEL, type IstioRenderOptions, type K8sObject } from '../../control-plane/istio/types.js';
import { loadCompiledPolicy } from '../../control-plane/policy/load.js';
import type { CompiledPolicy } from '../../control-plane/policy/compiled.js';
import { EXAMPLE_POLICY, runMeshguard } from '../helpers/cli.js';
import { isIstioKind, istioErrors } from './helpers/istio-schema.js';

const OVERLAP = fileURLToPath(new URL('./fixtures/overlap.yaml', import.meta.url));

async function compiled(file: string): Promise<CompiledPolicy> {
  const r = await loadCompiledPolicy(file);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.compiled;
}

function objects(policy: CompiledPolicy, o: Partial<IstioRenderOptions> = {}): K8sObject[] {
  return renderIstio(policy, { ...DEFAULT_RENDER_OPTIONS, policyText: 'x', ...o }).files.flatMap((f) => f.objects);
}

function selectorOf(o: K8sObject): Record<string, string> | null {
  const spec = o.spec as { selector?: { matchLabels?: Record<string, string> }; workloadSelector?: { labels?: Record<string, string> } };
  return spec.selector?.matchLabels ?? spec.workloadSelector?.labels ?? null;
}

/** The pods of the inventory: each carries its workload's labels, plus meshguard.io/workload where render asks for it. */
function podsOf(policy: CompiledPolicy): { key: string; namespace: string; labels: Record<string, string> }[] {
  const selections = workloadSelections(policy);
  return [...policy.workloads.values()].map((w) => ({
    key: w.key, namespace: w.namespace,
    labels: { ...w.labels, 'pod-template-hash': 'abc123', ...(selections.get(w.key)!.needsWorkloadLabel ? { [WORKLOAD_LABEL]: w.name } : {}) },
  }));
}

const PER_WORKLOAD = ['WasmPlugin', 'AuthorizationPolicy', 'PeerAuthentication', 'Sidecar', 'EnvoyFilter'];

describe('render istio: every object is valid for Istio', () => {
  for (const [name, file] of [['the example policy', EXAMPLE_POLICY], ['the overlapping-labels policy', OVERLAP]] as const) {
    it(`${name}: every Istio object passes the schema, the strict field table and the CEL rules`, async () => {
      const all = objects(await compiled(file));
      const istio = all.filter(isIstioKind);
      expect(istio.length).toBeGreaterThan(10);
      expect(istio.flatMap(istioErrors)).toEqual([]);
      const kinds = new Set(all.map((o) => o.kind));
      for (const k of ['WasmPlugin', 'EnvoyFilter', 'AuthorizationPolicy', 'Sidecar', 'IstioOperator', 'Deployment', 'Service', 'PodDisruptionBudget']) expect(kinds).toContain(k);
    });
  }

  it('the strict table catches what the 1.18 schemas let through', () => {
    const bad: K8sObject = { apiVersion: 'extensions.istio.io/v1alpha1', kind: 'WasmPlugin', metadata: { name: 'x', namespace: 'n' }, spec: { url: 'https://x/y.wasm', failStrategy: 'FAIL_CLOSED', sha: 'ab', selector: { matchLabels: { app: '*' } } } };
    const errors = istioErrors(bad).join('\n');
    expect(errors).toMatch(/failStrategy: "FAIL_CLOSED" is not one of/);
    expect(errors).toMatch(/spec.sha: unknown field/);
    expect(errors).toMatch(/no wildcard/);
  });
});

describe('render istio: selectors select exactly the pods the policy means', () => {
  for (const file of [EXAMPLE_POLICY, OVERLAP]) {
    it(`${file.split('/').pop()}: each per-workload object selects its workload's pods and no other pod of the inventory`, async () => {
      const policy = await compiled(file);
      const pods = podsOf(policy);
      const perWorkload = objects(policy).filter((o) => PER_WORKLOAD.includes(o.kind) && o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'meshguard');
      expect(perWorkload.length).toBeGreaterThan(0);
      for (const o of perWorkload) {
        const selector = selectorOf(o);
        expect(selector, `${o.kind} ${o.metadata.name} has a selector (none would mean the whole namespace)`).not.toBeNull();
        expect(Object.keys(selector!).length).toBeGreaterThan(0);
        expect(o.metadata.namespace).not.toBe('istio-system');
        const workload = `${o.metadata.namespace}/${o.metadata.name.replace(/^meshguard-[a-z]+-/, '')}`;
        const selected = pods.filter((p) => p.namespace === o.metadata.namespace && labelsMatch(selector!, p.labels)).map((p) => p.key);
        expect(selected, `${o.kind} ${o.metadata.name}`).toEqual([workload]);
      }
    });
  }

  it('asks for meshguard.io/workload only where labels cannot tell workloads apart', async () => {
    const s = workloadSelections(await compiled(OVERLAP));
    expect(s.get('shop/api')).toMatchObject({ needsWorkloadLabel: true, overlapping: ['shop/api-canary'], matchLabels: { app: 'api', [WORKLOAD_LABEL]: 'api' } });
    expect(s.get('shop/api-canary')).toMatchObject({ needsWorkloadLabel: false, matchLabels: { app: 'api', track: 'canary' } });
    expect(s.get('staging/api')).toMatchObject({ needsWorkloadLabel: false, matchLabels: { app: 'api' } });
    expect(s.get('shop/bare')).toMatchObject({ needsWorkloadLabel: true, matchLabels: { [WORKLOAD_LABEL]: 'bare' } });
    const notes = renderIstio(await compiled(OVERLAP), DEFAULT_RENDER_OPTIONS).notes.join('\n');
    expect(notes).toMatch(/shop\/api: its labels also fit shop\/api-canary/);
    expect(notes).toMatch(/shop\/bare: it has no labels/);
    const example = workloadSelections(await compiled(EXAMPLE_POLICY));
    expect([...example.values()].every((x) => !x.needsWorkloadLabel)).toBe(true);
  });
});

describe('render istio: content', () => {
  it('WasmPlugins: sha256 from build/wasm/<name>.wasm.sha256, pluginConfig each filter\'s own part of filterConfigFor, fail closed, SERVER/CLIENT', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mg-wasm-'));
    await writeFile(join(dir, 'identity.wasm.sha256'), `${'ab'.repeat(32)}  identity.wasm\n`);
    await writeFile(join(dir, 'egress.wasm.sha256'), 'not a hash\n');
    const policy = await compiled(EXAMPLE_POLICY);
    const bundle = renderIstio(policy, { ...DEFAULT_RENDER_OPTIONS, wasmDir: dir, wasmBaseUrl: 'https://m.example/v1/' });
    const plugins = bundle.files.flatMap((f) => f.objects).filter((o) => o.kind === 'WasmPlugin');
    expect(plugins).toHaveLength(3 * policy.workloads.size);
    const byFilter = (name: string) => plugins.filter((p) => p.metadata.name.startsWith(`meshguard-${name}-`)).map((p) => p.spec as Record<string, unknown>);
    for (const spec of byFilter('identity')) expect(spec).toMatchObject({ sha256: 'ab'.repeat(32), url: 'https://m.example/v1/identity.wasm', failStrategy: 'FAIL_CLOSE', match: [{ mode: 'SERVER' }], phase: 'AUTHZ' });
    for (const spec of byFilter('egress')) expect(spec).not.toHaveProperty('sha256');
    for (const spec of byFilter('egress')) expect(spec.match).toEqual([{ mode: 'CLIENT' }]);
    for (const spec of byFilter('anomaly')) expect(spec.match).toEqual([{ mode: 'SERVER' }]);
    const configOf = (name: string) => (plugins.find((p) => p.metadata.name === name)!.spec as { pluginConfig: Record<string, unknown> }).pluginConfig;
    expect(Object.keys(configOf('meshguard-identity-api')).sort()).toEqual(['anomaly', 'inbound', 'quarantined', 'trustDomain', 'version', 'workload']);
    expect(configOf('meshguard-identity-api')).toMatchObject({ workload: 'shop/api', trustDomain: 'cluster.local' });
    expect(configOf('meshguard-egress-api')).toMatchObject({ workload: 'shop/api', identity: 'spiffe://cluster.local/ns/shop/sa/api' });
    expect(Object.keys(configOf('meshguard-egress-api')).sort()).toEqual(['egress', 'identity', 'quarantined', 'version', 'workload']);
    expect(Object.keys(configOf('meshguard-anomaly-api')).sort()).toEqual(['anomaly', 'version', 'workload']);
    expect(bundle.notes.join('\n')).toMatch(/egress\.wasm: no .*egress\.wasm\.sha256/);
    expect(bundle.notes.join('\n')).toMatch(/anomaly\.wasm: no/);
  });

  it('egress: REGISTRY_ONLY Sidecars with exact host lists, ServiceEntries per host (DNS, NONE for wildcards) and per CIDR rule', async () => {
    const all = objects(await compiled(OVERLAP));
    const sidecars = new Map(all.filter((o) => o.kind === 'Sidecar').map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o.spec as { egress: { hosts: string[] }[]; outboundTrafficPolicy: { mode: string } }]));
    // defaults.egress: allow → only the workloads an egress rule selects are restricted.
    expect([...sidecars.keys()].sort()).toEqual(['shop/meshguard-egress-api', 'shop/meshguard-egress-api-canary', 'shop/meshguard-egress-worker']);
    expect(sidecars.get('shop/meshguard-egress-worker')).toEqual({ workloadSelector: expect.anything(), egress: [{ hosts: ['*/*'] }], outboundTrafficPolicy: { mode: 'ALLOW_ANY' } });
    expect(sidecars.get('shop/meshguard-egress-api')!.egress[0]!.hosts).toEqual(['*/*.svc.cluster.local', 'meshguard-system/*', './api.example.com', './*.example.org', './api-out.cidr.meshguard.internal']);
    expect(sidecars.get('shop/meshguard-egress-api')!.outboundTrafficPolicy.mode).toBe('REGISTRY_ONLY');
    const entries = all.filter((o) => o.kind === 'ServiceEntry').map((o) => ({ ns: o.metadata.namespace, ...(o.spec as Record<string, unknown>) }));
    expect(entries).toEqual([
      { ns: 'shop', exportTo: ['.'], location: 'MESH_EXTERNAL', hosts: ['*.example.org'], resolution: 'NONE', ports: [{ number: 443, name: 'tls-443', protocol: 'TLS' }, { number: 8080, name: 'http-8080', protocol: 'HTTP' }] },
      { ns: 'shop', exportTo: ['.'], location: 'MESH_EXTERNAL', hosts: ['api.example.com'], resolution: 'DNS', ports: [{ number: 443, name: 'tls-443', protocol: 'TLS' }, { number: 8080, name: 'http-8080', protocol: 'HTTP' }] },
      { ns: 'shop', exportTo: ['.'], location: 'MESH_EXTERNAL', hosts: ['api-out.cidr.meshguard.internal'], addresses: ['0.0.0.0/0'], resolution: 'NONE', ports: [{ number: 443, name: 'tls-443', protocol: 'TLS' }, { number: 8080, name: 'http-8080', protocol: 'HTTP' }] },
    ]);
  });

  it('default egress deny restricts every workload; mtls strict adds a STRICT PeerAuthentication per workload', async () => {
    const policy = await compiled(EXAMPLE_POLICY);
    const all = objects(policy);
    expect(all.filter((o) => o.kind === 'Sidecar')).toHaveLength(policy.workloads.size);
    expect(all.filter((o) => o.kind === 'PeerAuthentication' && o.metadata.namespace === 'shop').map((o) => (o.spec as { mtls: unknown }).mtls)).toEqual(Array(policy.workloads.size).fill({ mode: 'STRICT' }));
    expect(objects(await compiled(OVERLAP)).filter((o) => o.kind === 'PeerAuthentication' && o.metadata.namespace !== 'meshguard-system')).toEqual([]);
  });

  it('CUSTOM AuthorizationPolicies name the provider the mesh-config snippet declares', async () => {
    const all = objects(await compiled(EXAMPLE_POLICY));
    const ap = all.filter((o) => o.kind === 'AuthorizationPolicy');
    expect(ap.every((o) => (o.spec as { action: string; provider: { name: string }; rules: unknown[] }).provider.name === 'meshguard')).toBe(true);
    expect(ap.every((o) => JSON.stringify((o.spec as { rules: unknown }).rules) === '[{}]')).toBe(true);
    const overlay = all.find((o) => o.kind === 'IstioOperator')!;
    expect(overlay.spec).toEqual({ meshConfig: { extensionProviders: [{ name: 'meshguard', envoyExtAuthzGrpc: { service: 'meshguard.meshguard-system.svc.cluster.local', port: 9001, timeout: '0.5s', failOpen: false, statusOnError: '403' } }] } });
  });

  it('the ECDS EnvoyFilter names meshguard.identity/egress/anomaly and meshguard\'s xDS cluster', async () => {
    const ef = objects(await compiled(EXAMPLE_POLICY)).find((o) => o.kind === 'EnvoyFilter')!;
    const patches = (ef.spec as { configPatches: { match: { context: string }; patch: { operation: string; value: { name: string; config_discovery: { config_source: { api_config_source: { grpc_services: { envoy_grpc: { cluster_name: string } }[] } }; type_urls: string[] } } } }[] }).configPatches;
    expect(patches.map((p) => [p.patch.value.name, p.match.context, p.patch.operation])).toEqual([
      ['meshguard.identity', 'SIDECAR_INBOUND', 'INSERT_FIRST'],
      ['meshguard.anomaly', 'SIDECAR_INBOUND', 'INSERT_BEFORE'],
      ['meshguard.egress', 'SIDECAR_OUTBOUND', 'INSERT_FIRST'],
    ]);
    for (const p of patches) {
      expect(p.patch.value.config_discovery.config_source.api_config_source.grpc_services[0]!.envoy_grpc.cluster_name).toBe('outbound|18000||meshguard.meshguard-system.svc.cluster.local');
      expect(p.patch.value.config_discovery.type_urls).toEqual(['type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm']);
    }
  });

  it('the control plane Deployment is hardened and its Service exposes authz 9001, xds 18000, admin 9901', async () => {
    const all = objects(await compiled(EXAMPLE_POLICY));
    const dep = all.find((o) => o.kind === 'Deployment')! as unknown as { spec: { template: { spec: { securityContext: Record<string, unknown>; containers: { image: string; securityContext: Record<string, unknown>; resources: { limits: Record<string, string> } }[] } } } };
    const pod = dep.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0]!.securityContext).toEqual({ runAsNonRoot: true, allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0]!.resources.limits).toEqual({ cpu: '2', memory: '1Gi' });
    expect(pod.containers[0]!.image).toMatch(/@sha256:[0-9a-f]{64}$/);
    const svc = all.find((o) => o.kind === 'Service')! as unknown as { spec: { ports: { name: string; port: number }[] } };
    expect(svc.spec.ports.map((p) => [p.name, p.port])).toEqual([['grpc-authz', 9001], ['grpc-xds', 18000], ['http-admin', 9901]]);
    expect(all.find((o) => o.kind === 'PodDisruptionBudget')).toBeDefined();
  });
});

describe('meshguard render istio (CLI)', () => {
  it('writes the files; every document parses and every Istio object is valid', async () => {
    const out = await mkdtemp(join(tmpdir(), 'mg-istio-'));
    const r = await runMeshguard(['render', 'istio', '--policy', EXAMPLE_POLICY, '--out', out, '--image', `registry.example/meshguard@sha256:${'1'.repeat(64)}`, '--wasm-base-url', 'https://wasm.example/v1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/placeholder digest/);
    const files = [...(await readdir(out)).filter((f) => f.endsWith('.yaml')), 'snippets/mesh-config.yaml', 'alternatives/ecds-envoyfilter.yaml'];
    expect(files).toHaveLength(6);
    let count = 0;
    for (const f of files) {
      for (const doc of parseAllDocuments(await readFile(join(out, f), 'utf8'))) {
        expect(doc.errors).toEqual([]);
        const o = doc.toJS() as K8sObject;
        count++;
        if (isIstioKind(o)) expect(istioErrors(o)).toEqual([]);
      }
    }
    expect(count).toBeGreaterThan(30);
    const cp = await readFile(join(out, '00-control-plane.yaml'), 'utf8');
    expect(cp).toContain(`registry.example/meshguard@sha256:${'1'.repeat(64)}`);
    expect(cp).toContain('kind: ConfigMap');
  });

  it('refuses an image not pinned by digest', async () => {
    const r = await runMeshguard(['render', 'istio', '--policy', EXAMPLE_POLICY, '--out', await mkdtemp(join(tmpdir(), 'mg-')), '--image', 'meshguard:latest']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pinned by digest/);
  });
});

describe('istio/install (committed) is what the renderer writes', () => {
  it('istio/install/meshguard.yaml and mesh-config.yaml are up to date (UPDATE_GOLDEN=1 rewrites them)', async () => {
    const { staticInstallFiles } = await import('../../control-plane/istio/static-install.js');
    const root = fileURLToPath(new URL('../../istio/install/', import.meta.url));
    for (const [name, text] of staticInstallFiles()) {
      if (process.env.UPDATE_GOLDEN === '1') {
        await mkdir(root, { recursive: true });
        await writeFile(join(root, name), text);
      }
      expect(await readFile(join(root, name), 'utf8')).toBe(text);
    }
  });
});
