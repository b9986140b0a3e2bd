// Least-privilege policy from observed flows: one segment per (destination, source identity)
// allowing exactly the methods, path templates and ports seen; one egress rule per workload
// allowing exactly the hosts and ports seen.
import { asciiLower } from '../canon/ascii.js';
import { canonicalHost } from '../canon/host.js';
import { normalizePath } from '../canon/path.js';
import { CONTEXT_DIRECTION, CONTEXT_WORKLOAD, type CheckInput } from '../engine/request.js';
import type { CompiledPolicy } from '../policy/compiled.js';
import { parseSpiffeId } from '../canon/spiffe.js';
import { routeTemplate, templatePattern } from '../anomaly/route-template.js';

export interface Flow {
  readonly direction: 'inbound' | 'outbound';
  /** `ns/name` of the destination (inbound) or of the source workload (outbound). */
  readonly workload: string;
  readonly source: string;
  readonly method: string | null;
  readonly path: string | null;
  readonly host: string | null;
  readonly port: number | null;
}

function defaultPort(scheme: string | undefined): number | null {
  const s = scheme === undefined ? undefined : asciiLower(scheme);
  return s === 'https' ? 443 : s === 'http' ? 80 : null;
}

/** The flow a request shows, or null when it shows none a policy should allow (no workload, bad path or host). */
export function flowOf(input: CheckInput): Flow | null {
  const workload = input.contextExtensions[CONTEXT_WORKLOAD];
  if (!workload) return null;
  const outbound = input.contextExtensions[CONTEXT_DIRECTION] === 'outbound';
  const http = input.http;
  const normalized = http ? normalizePath(http.path ?? '') : null;
  if (normalized && !normalized.ok) return null;
  const host = outbound && http?.host ? canonicalHost(http.host) : null;
  if (host && !host.ok) return null;
  return {
    direction: outbound ? 'outbound' : 'inbound',
    workload,
    source: input.source.principal,
    method: http?.method || null,
    path: normalized ? templatePattern(routeTemplate(normalized.path)) : null,
    host: host ? host.host : null,
    port: (host ? host.port : null) ?? input.destination.port ?? (outbound ? defaultPort(http?.scheme) : null),
  };
}

type Yaml = Record<string, unknown>;

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'x';
}

function sourceName(principal: string): string {
  const p = parseSpiffeId(principal);
  const s = p?.segments ?? [];
  return s.length === 4 && s[0] === 'ns' && s[2] === 'sa' ? `${s[1]}.${s[3]}` : slug(principal);
}

function inventoryOf(flows: readonly Flow[], known: CompiledPolicy | null): Yaml[] {
  const keys = new Set(flows.map((f) => f.workload));
  return [...keys].sort().map((key) => {
    const w = known?.workloads.get(key);
    if (w) return { name: w.name, namespace: w.namespace, serviceAccount: w.serviceAccount, labels: { ...w.labels } };
    const [namespace, name] = key.split('/') as [string, string];
    return { name, namespace, serviceAccount: name, labels: { app: name } };
  });
}

function selectorOf(workload: Yaml): Yaml {
  return { namespace: workload.namespace, matchLabels: workload.labels };
}

function rulesOf(flows: readonly Flow[]): Yaml[] {
  const byMethod = new Map<string, { paths: Set<string>; ports: Set<number> }>();
  for (const f of flows) {
    const key = f.method ?? '';
    const r = byMethod.get(key) ?? byMethod.set(key, { paths: new Set(), ports: new Set() }).get(key)!;
    if (f.path) r.paths.add(f.path);
    if (f.port !== null) r.ports.add(f.port);
  }
  return [...byMethod].sort(([a], [b]) => a.localeCompare(b)).map(([method, r]) => ({
    ...(method ? { methods: [method] } : {}),
    ...(r.paths.size ? { paths: [...r.paths].sort() } : {}),
    ...(r.ports.size ? { ports: [...r.ports].sort((x, y) => x - y) } : {}),
  }));
}

function group<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) (out.get(key(item)) ?? out.set(key(item), []).get(key(item))!).push(item);
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

/** A policy document (to serialize as YAML) that allows exactly the observed flows. */
export function suggestPolicy(flows: readonly Flow[], known: CompiledPolicy | null, name = 'suggested'): Yaml {
  const workloads = inventoryOf(flows, known);
  const byKey = new Map(workloads.map((w) => [`${w.namespace}/${w.name}`, w]));
  const segments: Yaml[] = [];
  const inbound = flows.filter((f) => f.direction === 'inbound' && f.source !== '');
  for (const [key, list] of group(inbound, (f) => `${f.workload}|${f.source}`)) {
    const [workload, source] = key.split('|') as [string, string];
    segments.push({
      name: slug(`${sourceName(source)}-to-${workload.replace('/', '.')}`),
      to: selectorOf(byKey.get(workload)!),
      from: [{ principals: [source] }],
      rules: rulesOf(list),
    });
  }
  const egress: Yaml[] = [];
  for (const [workload, list] of group(flows.filter((f) => f.direction === 'outbound' && f.host !== null), (f) => f.workload)) {
    const ports = [...new Set(list.map((f) => f.port).filter((p): p is number => p !== null))].sort((a, b) => a - b);
    egress.push({
      name: slug(`${workload.replace('/', '.')}-egress`),
      from: selectorOf(byKey.get(workload)!),
      hosts: [...new Set(list.map((f) => f.host!))].sort(),
      ...(ports.length ? { ports } : {}),
    });
  }
  return {
    apiVersion: 'meshguard.io/v1alpha1',
    kind: 'MeshPolicy',
    metadata: { name },
    spec: {
      trustDomain: known?.trustDomain ?? 'cluster.local',
      defaults: { inbound: 'deny', egress: 'deny', mtls: 'strict' },
      ...(known ? { meshDomains: [...known.meshDomains] } : {}),
      workloads,
      segments,
      egress,
    },
  };
}
