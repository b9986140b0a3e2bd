// Egress through Istio (defence in depth under the egress wasm filter): a Sidecar per workload
// whose egress the policy restricts, with `outboundTrafficPolicy: REGISTRY_ONLY` and an egress host
// list of exactly what it may reach (the mesh domains, meshguard itself, its allowed hosts), plus a
// MESH_EXTERNAL ServiceEntry per allowed host (DNS; NONE for wildcard hosts) and per CIDR rule.
// ServiceEntries live in the workload's namespace with `exportTo: ["."]`, so they widen nobody else.
import type { CompiledEgressRule, CompiledPolicy, CompiledWorkload } from '../policy/compiled.js';
import { objectName, type WorkloadSelection } from './selectors.js';
import type { IstioRenderOptions, K8sObject } from './types.js';

const MANAGED = { 'app.kubernetes.io/managed-by': 'meshguard' } as const;
/** A rule without `ports` allows any port; a ServiceEntry must list some: HTTPS and HTTP. */
export const DEFAULT_EGRESS_PORTS: readonly number[] = [443, 80];
const HTTP_PORTS = new Set([80, 8080]);

/** Whether the policy restricts this workload's egress (selected by a rule, or default deny). */
export function egressRestricted(policy: CompiledPolicy, w: CompiledWorkload): boolean {
  return w.egress.length > 0 || policy.defaults.egress === 'deny';
}

function dnsName(text: string): string {
  return text.toLowerCase().replace(/^\*\./, 'wildcard.').replace(/[^a-z0-9.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
}

export function cidrHostName(rule: CompiledEgressRule): string {
  return `${dnsName(rule.name)}.cidr.meshguard.internal`;
}

function rulePorts(rule: CompiledEgressRule): number[] {
  return rule.ports ? [...rule.ports] : [...DEFAULT_EGRESS_PORTS];
}

function servicePort(n: number) {
  const protocol = HTTP_PORTS.has(n) ? 'HTTP' : 'TLS';
  return { number: n, name: `${protocol.toLowerCase()}-${n}`, protocol };
}

/** Hosts (and CIDR pseudo-hosts) with the ports each allows, for one namespace, merged across its workloads. */
class NamespaceEntries {
  readonly hosts = new Map<string, Set<number>>();
  readonly cidrRules = new Map<string, { rule: CompiledEgressRule; ports: Set<number> }>();

  add(rule: CompiledEgressRule): void {
    for (const host of rule.hosts) {
      if (host === '*') continue;
      const ports = this.hosts.get(host) ?? this.hosts.set(host, new Set()).get(host)!;
      for (const p of rulePorts(rule)) ports.add(p);
    }
    if (rule.cidrList.length > 0) {
      const entry = this.cidrRules.get(rule.name) ?? this.cidrRules.set(rule.name, { rule, ports: new Set() }).get(rule.name)!;
      for (const p of rulePorts(rule)) entry.ports.add(p);
    }
  }
}

function serviceEntry(namespace: string, name: string, spec: Record<string, unknown>): K8sObject {
  return { apiVersion: 'networking.istio.io/v1beta1', kind: 'ServiceEntry', metadata: { name, namespace, labels: { ...MANAGED } }, spec: { exportTo: ['.'], location: 'MESH_EXTERNAL', ...spec } };
}

function serviceEntries(namespace: string, entries: NamespaceEntries): K8sObject[] {
  const out: K8sObject[] = [];
  for (const [host, ports] of [...entries.hosts].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(serviceEntry(namespace, `meshguard-egress-${dnsName(host)}`.slice(0, 253), {
      hosts: [host], resolution: host.startsWith('*.') ? 'NONE' : 'DNS', ports: [...ports].sort((a, b) => a - b).map(servicePort),
    }));
  }
  for (const { rule, ports } of entries.cidrRules.values()) {
    out.push(serviceEntry(namespace, `meshguard-egress-cidr-${dnsName(rule.name)}`.slice(0, 253), {
      hosts: [cidrHostName(rule)], addresses: rule.cidrList.map((c) => c.text), resolution: 'NONE', ports: [...ports].sort((a, b) => a - b).map(servicePort),
    }));
  }
  return out;
}

function sidecarHosts(policy: CompiledPolicy, w: CompiledWorkload, o: IstioRenderOptions): string[] {
  const hosts = new Set<string>([...policy.meshDomains.map((d) => `*/*.${d}`), `${o.namespace}/*`]);
  for (const rule of w.egress) {
    for (const h of rule.hosts) hosts.add(`./${h}`);
    if (rule.cidrList.length > 0) hosts.add(`./${cidrHostName(rule)}`);
  }
  return [...hosts];
}

function sidecar(policy: CompiledPolicy, w: CompiledWorkload, selection: WorkloadSelection, o: IstioRenderOptions): K8sObject {
  const anyHost = w.egress.some((r) => r.anyHost);
  return {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'Sidecar',
    metadata: { name: objectName('egress', w.name), namespace: w.namespace, labels: { ...MANAGED } },
    spec: {
      workloadSelector: { labels: { ...selection.matchLabels } },
      egress: [{ hosts: anyHost ? ['*/*'] : sidecarHosts(policy, w, o) }],
      // A `*` host rule allows any name: REGISTRY_ONLY would block what the policy allows.
      outboundTrafficPolicy: { mode: anyHost ? 'ALLOW_ANY' : 'REGISTRY_ONLY' },
    },
  };
}

/** Sidecars (one per restricted workload), then ServiceEntries (per namespace, per host or CIDR rule). */
export function egressObjects(policy: CompiledPolicy, selections: ReadonlyMap<string, WorkloadSelection>, o: IstioRenderOptions): K8sObject[] {
  const sidecars: K8sObject[] = [];
  const byNamespace = new Map<string, NamespaceEntries>();
  for (const w of policy.workloads.values()) {
    if (!egressRestricted(policy, w)) continue;
    sidecars.push(sidecar(policy, w, selections.get(w.key)!, o));
    const entries = byNamespace.get(w.namespace) ?? byNamespace.set(w.namespace, new NamespaceEntries()).get(w.namespace)!;
    for (const rule of w.egress) entries.add(rule);
  }
  const entries = [...byNamespace].sort(([a], [b]) => a.localeCompare(b)).flatMap(([ns, e]) => serviceEntries(ns, e));
  return [...sidecars, ...entries];
}
