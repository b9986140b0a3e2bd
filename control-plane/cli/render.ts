// `meshguard render filter-config|envoy|istio`: artefacts generated from the compiled policy.
import { formatDiagnostic } from '../policy/diagnostics.js';
import { filterConfigFor } from '../filter-config/filter-config.js';
import { loadCompiledPolicy } from '../policy/load.js';
import type { CompiledPolicy, CompiledWorkload } from '../policy/compiled.js';
import { parse, required, UsageError } from './args.js';

export async function loadForRender(file: string): Promise<CompiledPolicy | null> {
  const loaded = await loadCompiledPolicy(file);
  if (loaded.ok) return loaded.compiled;
  for (const e of loaded.errors) process.stderr.write(formatDiagnostic(e) + '\n');
  return null;
}

export function workloadOf(policy: CompiledPolicy, key: string): CompiledWorkload {
  const w = policy.workloads.get(key);
  if (!w) throw new UsageError(`no workload "${key}" in the policy (expected NAMESPACE/NAME; known: ${[...policy.workloads.keys()].slice(0, 10).join(', ')})`);
  return w;
}

async function renderFilterConfig(argv: string[]): Promise<number> {
  const { values } = parse(argv, { policy: { type: 'string' }, workload: { type: 'string' } });
  const policy = await loadForRender(required(values, 'policy'));
  if (!policy) return 1;
  const workload = workloadOf(policy, required(values, 'workload'));
  process.stdout.write(JSON.stringify(filterConfigFor(policy, workload), null, 2) + '\n');
  return 0;
}

const TARGETS: Record<string, (argv: string[]) => Promise<number>> = {
  'filter-config': renderFilterConfig,
  istio: async (argv) => (await import('./render-istio.js')).renderIstioCommand(argv),
  envoy: async (argv) => (await import('./render-envoy.js')).renderEnvoyCommand(argv),
};

export async function renderCommand(argv: string[]): Promise<number> {
  const [target, ...rest] = argv;
  const run = target === undefined ? undefined : TARGETS[target];
  if (!run) throw new UsageError(`usage: meshguard render ${Object.keys(TARGETS).join('|')} --policy FILE ...`);
  return run(rest);
}
