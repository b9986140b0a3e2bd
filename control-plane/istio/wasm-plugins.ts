// One WasmPlugin per (filter, workload): the module pinned by SHA-256, the workload's plugin
// configuration (its own sections of `filterConfigFor()`, perFilterConfigs), fail-closed, attached to inbound (SERVER) or outbound
// (CLIENT) traffic of exactly that workload's pods.
import type { CompiledPolicy } from '../policy/compiled.js';
import { filterConfigFor, perFilterConfigs } from '../filter-config/filter-config.js';
import { objectName, type WorkloadSelection } from './selectors.js';
import type { K8sObject } from './types.js';
import { FILTERS, type ModuleRef } from './wasm-modules.js';

function wasmPlugin(module: ModuleRef, selection: WorkloadSelection, name: string, pluginConfig: unknown): K8sObject {
  const filter = FILTERS.find((f) => f.name === module.name)!;
  return {
    apiVersion: 'extensions.istio.io/v1alpha1',
    kind: 'WasmPlugin',
    metadata: { name: objectName(filter.name, name), namespace: selection.namespace, labels: { 'app.kubernetes.io/managed-by': 'meshguard', 'meshguard.io/filter': filter.name } },
    spec: {
      selector: { matchLabels: { ...selection.matchLabels } },
      url: module.url,
      ...(module.sha256 ? { sha256: module.sha256 } : {}),
      imagePullPolicy: 'IfNotPresent',
      pluginName: filter.name,
      phase: filter.phase,
      priority: filter.priority,
      failStrategy: 'FAIL_CLOSE',
      match: [{ mode: filter.mode }],
      pluginConfig,
    },
  };
}

/** Three WasmPlugins per inventory workload, in inventory order. */
export function wasmPlugins(policy: CompiledPolicy, selections: ReadonlyMap<string, WorkloadSelection>, modules: readonly ModuleRef[]): K8sObject[] {
  const out: K8sObject[] = [];
  for (const w of policy.workloads.values()) {
    const selection = selections.get(w.key)!;
    const configs = perFilterConfigs(filterConfigFor(policy, w));
    for (const module of modules) out.push(wasmPlugin(module, selection, w.name, configs[module.name]));
  }
  return out;
}
