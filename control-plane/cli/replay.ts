// `meshguard replay --policy FILE --workload NS/NAME [--requests FILE|-] [--wasm-dir DIR]`:
// CheckRequest JSONL through the workload's wasm filters (build/wasm/*.wasm) in the proxy-wasm
// host; the same output contract as `check` (one verdict line per request, `{"error": …}` for a
// bad line and exit status 2). The mapping is described in control-plane/replay/replay.ts.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packagePath } from '../package-root.js';
import { RequestFieldError } from '../authz/check-request.js';
import { formatDiagnostic } from '../policy/diagnostics.js';
import { filterConfigFor } from '../filter-config/filter-config.js';
import { loadCompiledPolicy } from '../policy/load.js';
import { Replayer, type ReplayModules } from '../replay/replay.js';
import { requireEnvoy } from '../envoy/binary.js';
import { EnvoyReplayer } from './replay-envoy.js';
import { parse, required, UsageError } from './args.js';
import { answerLines } from './io.js';

const MODULES = ['identity', 'anomaly', 'egress'] as const;

/** The wasm build script, when the package ships it (a source checkout does). */
function buildScript(): string | null {
  const file = packagePath('scripts', 'build-wasm.mjs');
  return existsSync(file) ? file : null;
}

interface BuildScript {
  buildFilter(name: string, outDir: string): Promise<{ file: string; bytes: number }>;
}

/** The built modules; missing ones are built first with scripts/build-wasm.mjs (and said so). */
export async function loadModules(wasmDir: string, log: (line: string) => void): Promise<ReplayModules> {
  const missing = MODULES.filter((m) => !existsSync(path.join(wasmDir, `${m}.wasm`)));
  if (missing.length > 0) {
    const script = buildScript();
    if (script === null) throw new Error(`${missing.map((m) => `${m}.wasm`).join(', ')} missing in ${wasmDir}, and no scripts/build-wasm.mjs to build them`);
    log(`meshguard replay: ${missing.map((m) => path.join(wasmDir, `${m}.wasm`)).join(', ')} missing; building with scripts/build-wasm.mjs (npm run build:wasm)`);
    const build = (await import(pathToFileURL(script).href)) as BuildScript;
    for (const m of missing) {
      const built = await build.buildFilter(m, wasmDir);
      log(`meshguard replay: built ${built.file} (${built.bytes} bytes)`);
    }
  }
  const read = async (m: string) => new Uint8Array(await readFile(path.join(wasmDir, `${m}.wasm`)));
  return { identity: await read('identity'), anomaly: await read('anomaly'), egress: await read('egress') };
}

export function defaultWasmDir(): string {
  return packagePath('build', 'wasm');
}

/** Decides one JSONL line; a bad line becomes `{"error": ...}` naming the line and the field. */
/** Anything that decides a parsed CheckRequest: the host's Replayer, or a real Envoy's. */
export interface Decider {
  decide(request: unknown): Promise<unknown>;
}

export async function replayLine(replayer: Decider, line: string, lineNumber: number): Promise<string> {
  let request: unknown;
  try {
    request = JSON.parse(line);
  } catch (err) {
    return JSON.stringify({ error: `line ${lineNumber}: invalid JSON: ${(err as Error).message}` });
  }
  try {
    return JSON.stringify(await replayer.decide(request));
  } catch (err) {
    if (err instanceof RequestFieldError) return JSON.stringify({ error: `line ${lineNumber}: ${err.message}` });
    throw err;
  }
}

export async function replayCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    policy: { type: 'string' }, workload: { type: 'string' }, requests: { type: 'string', default: '-' }, 'wasm-dir': { type: 'string' },
    envoy: { type: 'boolean' }, 'envoy-bin': { type: 'string' },
  });
  const workloadKey = required(values, 'workload');
  const loaded = await loadCompiledPolicy(required(values, 'policy'));
  for (const w of loaded.warnings) process.stderr.write(formatDiagnostic(w) + '\n');
  if (!loaded.ok) {
    for (const e of loaded.errors) process.stderr.write(formatDiagnostic(e) + '\n');
    return 1;
  }
  const workload = loaded.compiled.workloads.get(workloadKey);
  if (!workload) throw new UsageError(`--workload ${workloadKey}: no such workload in the policy (have: ${[...loaded.compiled.workloads.keys()].join(', ')})`);
  const wasmDir = typeof values['wasm-dir'] === 'string' ? path.resolve(values['wasm-dir']) : defaultWasmDir();
  const modules = await loadModules(wasmDir, (l) => process.stderr.write(`${l}\n`));
  if (values.envoy === true || values['envoy-bin'] !== undefined) return replayInEnvoy(values, wasmDir, workloadKey);
  const replayer = await Replayer.create(JSON.stringify(filterConfigFor(loaded.compiled, workload)), modules);
  return answerLines(values.requests as string, (line, n) => replayLine(replayer, line, n));
}

/** `--envoy [--envoy-bin PATH]`: the same lines, decided by a real Envoy sidecar of the workload. */
async function replayInEnvoy(values: Record<string, string | boolean | undefined>, wasmDir: string, workload: string): Promise<number> {
  const binary = requireEnvoy(typeof values['envoy-bin'] === 'string' ? values['envoy-bin'] : undefined);
  const replayer = await EnvoyReplayer.start({ binary, policyFile: values.policy as string, workload, wasmDir });
  try {
    return await answerLines(values.requests as string, (line, n) => replayLine(replayer, line, n));
  } finally {
    await replayer.stop();
  }
}
