// `meshguard render filter-config`: a workload's wasm plugin configuration; the other render
// targets live in render-envoy.ts and render-istio.ts.
import { filterConfigFor } from '../filter-config/filter-config.js';
import type { CompiledPolicy, CompiledWorkload } from '../policy/compiled.js';
import { UsageError } from './args.js';
import { POLICY_FLAG } from './check.js';
import { loadPolicyForCommand } from './policy.js';
import type { CommandSpec, FlagSpec } from './spec.js';

export const WORKLOAD_FLAG: FlagSpec = { name: 'workload', value: 'NS/NAME', required: true, help: 'the inventory workload, as NAMESPACE/NAME' };

export function workloadOf(policy: CompiledPolicy, key: string): CompiledWorkload {
  const w = policy.workloads.get(key);
  if (!w) throw new UsageError(`--workload ${key}: no such workload in the policy (expected NAMESPACE/NAME; known: ${[...policy.workloads.keys()].slice(0, 10).join(', ')})`);
  return w;
}

export const command: CommandSpec = {
  name: 'render filter-config',
  summary: "print one workload's wasm filter configuration",
  description: "Prints the JSON plugin configuration of one workload's wasm filters (identity, egress, anomaly), as xDS sends it over ECDS.",
  flags: [POLICY_FLAG, WORKLOAD_FLAG],
  async run(args) {
    const loaded = await loadPolicyForCommand(args.need('policy'));
    if (!loaded.ok) return loaded.status;
    const workload = workloadOf(loaded.compiled, args.need('workload'));
    process.stdout.write(JSON.stringify(filterConfigFor(loaded.compiled, workload), null, 2) + '\n');
    return 0;
  },
};
