#!/usr/bin/env node
// Builds the proxy-wasm filters: assembly/filters/<name>/index.ts → build/wasm/<name>.wasm
// (+ <name>.wasm.sha256, hex). Usage: node scripts/build-wasm.mjs [name ...] (default: all).
//
// Flags and why:
//   -O3                      speed (Envoy runs TurboFan, no Liftoff)
//                            (-O3s --converge for the anomaly filter: see COMPACT)
//   --runtime incremental    TLSF + incremental GC: memory is reused in a long-lived VM
//   --use abort=…            our abort (proxy_log + unreachable): Envoy has no env.abort
//   --exportStart _initialize  a WASI reactor: Envoy calls it after instantiation, in a context
//   --debug                  keeps the name section (function names in Envoy's in-VM backtrace);
//                            binaryen still optimizes at -O3, only names are preserved
//                            (not for the anomaly scorer: see COMPACT)
// No --enable: no SIMD, threads or other proposals beyond the default MVP+ features.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as asc from 'assemblyscript/asc';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const defaultOutDir = path.join(root, 'build', 'wasm');

export const FILTERS = ['noop', 'identity', 'egress', 'anomaly'];
/** Modules that are not filters: the anomaly scorer for the control plane (control-plane/anomaly/core.ts). */
export const CORES = { 'anomaly-core': 'assembly/anomaly-core/index.ts' };
export const MAX_MODULE_BYTES = 128 * 1024;
export const ABORT = 'assembly/sdk/abi/abort/meshguardAbort';

/** Imports Envoy registers for a module that exports proxy_abi_version_0_2_1 (env module). */
export const ENVOY_ABI_0_2_1_IMPORTS = new Set([
  'proxy_log', 'proxy_get_log_level', 'proxy_get_status', 'proxy_set_property', 'proxy_get_property',
  'proxy_send_local_response', 'proxy_get_shared_data', 'proxy_set_shared_data', 'proxy_register_shared_queue',
  'proxy_resolve_shared_queue', 'proxy_dequeue_shared_queue', 'proxy_enqueue_shared_queue',
  'proxy_get_header_map_value', 'proxy_add_header_map_value', 'proxy_replace_header_map_value',
  'proxy_remove_header_map_value', 'proxy_get_header_map_pairs', 'proxy_set_header_map_pairs',
  'proxy_get_header_map_size', 'proxy_get_buffer_status', 'proxy_get_buffer_bytes', 'proxy_set_buffer_bytes',
  'proxy_http_call', 'proxy_grpc_call', 'proxy_grpc_stream', 'proxy_grpc_close', 'proxy_grpc_cancel',
  'proxy_grpc_send', 'proxy_set_tick_period_milliseconds', 'proxy_get_current_time_nanoseconds',
  'proxy_define_metric', 'proxy_increment_metric', 'proxy_record_metric', 'proxy_get_metric',
  'proxy_set_effective_context', 'proxy_done', 'proxy_call_foreign_function',
  'proxy_continue_stream', 'proxy_close_stream',
]);

/**
 * The anomaly filter carries its detectors' code and word lists: it is built
 * with a little shrinking (-O3s, optimized until the size converges: smaller than -O3s alone and
 * as fast, where -O3z is a quarter slower) and without the name section to stay within MAX_MODULE_BYTES (a trap
 * in it shows function indexes instead of names in Envoy's backtrace).
 */
export const COMPACT = new Set(['anomaly']);

export function ascArguments(name, outDir = defaultOutDir, entry = `assembly/filters/${name}/index.ts`) {
  const compact = COMPACT.has(name);
  return [
    entry,
    compact ? '-O3s' : '-O3', ...(compact ? ['--converge'] : []),
    '--runtime', 'incremental',
    '--use', `abort=${ABORT}`,
    '--exportStart', '_initialize',
    ...(compact ? [] : ['--debug']),
    '--outFile', path.join(outDir, `${name}.wasm`),
    '--baseDir', root,
  ];
}

/** Imports of a module that Envoy would not provide for ABI 0.2.1 ("missing import" at load). */
export function unexpectedImports(binary) {
  const module = new WebAssembly.Module(binary);
  return WebAssembly.Module.imports(module)
    .filter((i) => !(i.module === 'env' && i.kind === 'function' && ENVOY_ABI_0_2_1_IMPORTS.has(i.name)))
    .map((i) => `${i.module}.${i.name} (${i.kind})`);
}

/**
 * Compiles one filter (or another proxy-wasm entry file, for tests) into `outDir` and checks it;
 * returns its file, size and digest.
 */
export async function buildFilter(name, outDir = defaultOutDir, entry = undefined) {
  await mkdir(outDir, { recursive: true });
  const stderr = [];
  const { error } = await asc.main(ascArguments(name, outDir, entry), {
    stdout: { write: () => true },
    stderr: { write: (s) => { stderr.push(String(s)); return true; } },
  });
  if (error) throw new Error(`${name}: asc failed: ${error.message}\n${stderr.join('')}`);
  const file = path.join(outDir, `${name}.wasm`);
  const binary = await readFile(file);
  const bad = unexpectedImports(binary);
  if (bad.length > 0) throw new Error(`${name}: imports Envoy does not provide for ABI 0.2.1: ${bad.join(', ')}`);
  if (binary.length > MAX_MODULE_BYTES) throw new Error(`${name}: ${binary.length} bytes, over ${MAX_MODULE_BYTES}`);
  const sha256 = createHash('sha256').update(binary).digest('hex');
  await writeFile(`${file}.sha256`, sha256);
  return { name, file, bytes: binary.length, sha256 };
}

async function main() {
  const names = process.argv.slice(2);
  const known = [...FILTERS, ...Object.keys(CORES)];
  for (const name of names) if (!known.includes(name)) throw new Error(`unknown module "${name}" (known: ${known.join(', ')})`);
  for (const name of names.length > 0 ? names : known) {
    const { file, bytes, sha256 } = await buildFilter(name, defaultOutDir, CORES[name]);
    console.log(`${path.relative(root, file)}  ${bytes} bytes  sha256 ${sha256}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
