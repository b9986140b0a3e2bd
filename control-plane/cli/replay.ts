// `meshguard replay --policy FILE [--workload NS/NAME] [--requests FILE|-] [--wasm-dir DIR]`:
// CheckRequest JSONL through the wasm filters (build/wasm/*.wasm) in the proxy-wasm host, with
// `check`'s output contract: the same verdict lines (decision, status, rule, reason sentence),
// `{"error": …}` for a bad line and exit status 2. How a request becomes a filter run is in
// control-plane/replay/replay.ts; which workload's chain runs it, in replay/policy-replay.ts.
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packagePath } from '../package-root.js';
import { RequestFieldError } from '../authz/check-request.js';
import { PolicyReplay } from '../replay/policy-replay.js';
import type { ReplayModules } from '../replay/replay.js';
import { requireEnvoy } from '../envoy/binary.js';
import { CONTEXT_WORKLOAD } from '../engine/request.js';
import { EnvoyReplayer } from './replay-envoy.js';
import { InputError, UsageError } from './args.js';
import { POLICY_FLAG, REQUESTS_FLAG, REQUESTS_HELP } from './check.js';
import { answerLines } from './io.js';
import { loadPolicyForCommand } from './policy.js';
import { workloadOf } from './render.js';
import type { CommandSpec } from './spec.js';

const MODULES = ['identity', 'anomaly', 'egress'] as const;

/** The wasm build script, when the package ships it (a source checkout does). */
function buildScript(): string | null {
  const file = packagePath('scripts', 'build-wasm.mjs');
  return existsSync(file) ? file : null;
}

interface BuildScript {
  buildFilter(name: string, outDir: string): Promise<{ file: string; bytes: number }>;
}

export function defaultWasmDir(): string {
  return packagePath('build', 'wasm');
}

/**
 * The built modules. Missing ones are built first with scripts/build-wasm.mjs (and said so), but
 * only into the package's own build/wasm: a directory the user named is input, never created or
 * written to.
 */
export async function loadModules(wasmDir: string, log: (line: string) => void, userDir = false): Promise<ReplayModules> {
  if (userDir && !(existsSync(wasmDir) && statSync(wasmDir).isDirectory())) throw new InputError(`--wasm-dir ${wasmDir}: no such directory`);
  const missing = MODULES.filter((m) => !existsSync(path.join(wasmDir, `${m}.wasm`)));
  if (missing.length > 0) {
    const names = missing.map((m) => `${m}.wasm`).join(', ');
    if (userDir) throw new InputError(`--wasm-dir ${wasmDir}: ${names} missing (npm run build:wasm builds them into build/wasm)`);
    const script = buildScript();
    if (script === null) throw new InputError(`${names} missing in ${wasmDir}, and no scripts/build-wasm.mjs to build them`);
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

/** Anything that decides a parsed CheckRequest: the host's PolicyReplay, or a real Envoy's. */
export interface Decider {
  decide(request: unknown): Promise<{ readonly decision: string; readonly status: number; readonly rule: string | null; readonly reason: string }>;
}

/** Decides one JSONL line; a bad line becomes `{"error": ...}` naming the line and the field. */
export async function replayLine(replay: Decider, line: string, lineNumber: number): Promise<string> {
  let request: unknown;
  try {
    request = JSON.parse(line);
  } catch (err) {
    return JSON.stringify({ error: `line ${lineNumber}: invalid JSON: ${(err as Error).message}` });
  }
  try {
    const v = await replay.decide(request);
    return JSON.stringify({ decision: v.decision, status: v.status, rule: v.rule, reason: v.reason });
  } catch (err) {
    if (err instanceof RequestFieldError) return JSON.stringify({ error: `line ${lineNumber}: ${err.message}` });
    throw err;
  }
}

export const command: CommandSpec = {
  name: 'replay',
  summary: 'run CheckRequests through the built wasm filters (same output as check)',
  description: "Runs each CheckRequest through the built wasm filters (identity and anomaly inbound, egress outbound) of the workload it is meant for, in meshguard's proxy-wasm host, and prints what `check` prints for it: the same verdict lines, reasons and exit status.",
  flags: [
    POLICY_FLAG,
    { name: 'workload', value: 'NS/NAME', help: "the workload whose sidecar sees requests that name none (no meshguard.io/workload context extension); without it they go to the workloads of destination.principal (inbound) or source.principal (outbound), as in check. A request that names a workload is always judged for that workload" },
    REQUESTS_FLAG,
    { name: 'wasm-dir', value: 'DIR', help: "where identity.wasm, anomaly.wasm and egress.wasm are (default: the package's build/wasm, built first when missing); a DIR you name must exist and hold them" },
    { name: 'envoy', help: "decide in a real Envoy sidecar of --workload (Envoy 1.40 from MESHGUARD_ENVOY, PATH or .venv-envoy) instead of the proxy-wasm host; a request naming another workload is a bad line" },
    { name: 'envoy-bin', value: 'PATH', help: 'the Envoy binary for --envoy (implies --envoy)' },
  ],
  details: REQUESTS_HELP.replace('check --policy', 'replay --policy'),
  async run(args) {
    const loaded = await loadPolicyForCommand(args.need('policy'));
    if (!loaded.ok) return loaded.status;
    const key = args.string('workload');
    const workload = key === undefined ? null : workloadOf(loaded.compiled, key);
    const userDir = args.string('wasm-dir');
    const wasmDir = userDir !== undefined ? path.resolve(userDir) : defaultWasmDir();
    const modules = await loadModules(wasmDir, (l) => process.stderr.write(`${l}\n`), userDir !== undefined);
    if (args.flag('envoy') || args.string('envoy-bin') !== undefined) {
      if (workload === null) throw new UsageError('--envoy runs the sidecar of one workload: --workload is required');
      return replayInEnvoy(args.string('envoy-bin'), args.need('policy'), wasmDir, workload.key, args.need('requests'));
    }
    const replay = new PolicyReplay(loaded.compiled, modules, workload);
    return answerLines(args.need('requests'), (line, n) => replayLine(replay, line, n));
  },
};

/** A request for another workload cannot be judged by this one sidecar: a bad line, not a wrong verdict. */
class OneSidecar implements Decider {
  constructor(private readonly envoy: EnvoyReplayer, private readonly workload: string) {}

  decide(request: unknown) {
    const named = (request as { attributes?: { contextExtensions?: Record<string, unknown>; context_extensions?: Record<string, unknown> } })?.attributes;
    const workload = (named?.contextExtensions ?? named?.context_extensions)?.[CONTEXT_WORKLOAD];
    if (typeof workload === 'string' && workload !== this.workload) {
      throw new RequestFieldError(`attributes.contextExtensions["${CONTEXT_WORKLOAD}"]`, `names ${workload}; --envoy runs the sidecar of ${this.workload} only`);
    }
    return this.envoy.decide(request);
  }
}

/** `--envoy [--envoy-bin PATH]`: the same lines, decided by a real Envoy sidecar of the workload. */
async function replayInEnvoy(bin: string | undefined, policyFile: string, wasmDir: string, workload: string, requests: string): Promise<number> {
  const binary = requireEnvoy(bin);
  const envoy = await EnvoyReplayer.start({ binary, policyFile, workload, wasmDir });
  try {
    return await answerLines(requests, (line, n) => replayLine(new OneSidecar(envoy, workload), line, n));
  } finally {
    await envoy.stop();
  }
}
