// Istio selectors for one workload of the policy: `matchLabels` (WasmPlugin, AuthorizationPolicy,
// PeerAuthentication) and `workloadSelector.labels` (Sidecar, EnvoyFilter) are equality-only and
// namespace-scoped, so a workload is selected by all of its labels in its own namespace. When another
// workload of that namespace carries the same labels and more (or the workload has no labels, which
// Istio would read as "the whole namespace"), labels cannot tell them apart: the selector then also
// requires `meshguard.io/workload: <name>`, a label the operator adds to that workload's pod template.
import type { CompiledPolicy, CompiledWorkload } from '../policy/compiled.js';
import { WORKLOAD_LABEL } from './types.js';

export interface WorkloadSelection {
  readonly workload: string;
  readonly namespace: string;
  readonly matchLabels: Readonly<Record<string, string>>;
  /** Pods of this workload must carry `meshguard.io/workload: <name>` for the selector to match them. */
  readonly needsWorkloadLabel: boolean;
  /** Other workloads of the namespace that the workload's own labels would also select. */
  readonly overlapping: readonly string[];
}

function pairKey(key: string, value: string): string {
  return `${key}\u0000${value}`;
}

/** Workloads of one namespace that carry every label of `w` (other than `w` itself). */
function supersets(w: CompiledWorkload, byPair: ReadonlyMap<string, readonly CompiledWorkload[]>, all: readonly CompiledWorkload[]): CompiledWorkload[] {
  const lists = Object.entries(w.labels).map(([k, v]) => byPair.get(pairKey(k, v)) ?? []);
  if (lists.length === 0) return all.filter((o) => o !== w);
  lists.sort((a, b) => a.length - b.length);
  const [smallest, ...rest] = lists;
  const others = rest.map((l) => new Set(l));
  return smallest!.filter((o) => o !== w && others.every((s) => s.has(o)));
}

function selectionsInNamespace(workloads: readonly CompiledWorkload[], out: Map<string, WorkloadSelection>): void {
  const byPair = new Map<string, CompiledWorkload[]>();
  for (const w of workloads) {
    for (const [k, v] of Object.entries(w.labels)) {
      const key = pairKey(k, v);
      const list = byPair.get(key);
      if (list) list.push(w);
      else byPair.set(key, [w]);
    }
  }
  for (const w of workloads) {
    const overlapping = supersets(w, byPair, workloads).map((o) => o.key).sort();
    const needsWorkloadLabel = overlapping.length > 0 || Object.keys(w.labels).length === 0;
    const matchLabels: Record<string, string> = { ...w.labels };
    if (needsWorkloadLabel) matchLabels[WORKLOAD_LABEL] = w.name;
    out.set(w.key, Object.freeze({ workload: w.key, namespace: w.namespace, matchLabels: Object.freeze(matchLabels), needsWorkloadLabel, overlapping: Object.freeze(overlapping) }));
  }
}

/** The selector of every inventory workload, by key (`ns/name`). */
export function workloadSelections(policy: CompiledPolicy): ReadonlyMap<string, WorkloadSelection> {
  const byNamespace = new Map<string, CompiledWorkload[]>();
  for (const w of policy.workloads.values()) {
    const list = byNamespace.get(w.namespace);
    if (list) list.push(w);
    else byNamespace.set(w.namespace, [w]);
  }
  const out = new Map<string, WorkloadSelection>();
  for (const list of byNamespace.values()) selectionsInNamespace(list, out);
  return out;
}

/** Kubernetes `matchLabels` semantics: every pair present with the same value. */
export function labelsMatch(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  for (const key of Object.keys(selector)) {
    if (!Object.prototype.hasOwnProperty.call(labels, key) || labels[key] !== selector[key]) return false;
  }
  return true;
}

/** The resource name of a per-workload object: `meshguard-<prefix>-<workload>`, within 253 characters. */
export function objectName(prefix: string, workloadName: string): string {
  return `meshguard-${prefix}-${workloadName}`.slice(0, 253);
}
