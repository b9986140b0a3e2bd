// What Envoy's loader accepts: the import set WasmBase::registerCallbacks registers for each ABI
// version (plus Envoy's own env.envoy_resolve_dns), V8::link's rules and error strings, and the
// export look-ups of WasmBase::getFunctions with V8's signature check.

import type { AbiVersion } from '../abi/codes.js';
import type { FuncType, ModuleSummary, ValType } from './binary.js';

const I = 'i32' as const;
const L = 'i64' as const;

function sig(params: readonly ValType[], results: readonly ValType[] = [I]): FuncType {
  return { params, results };
}
function words(n: number): FuncType {
  return sig(Array.from({ length: n }, () => I));
}

/** FOR_ALL_HOST_FUNCTIONS (include/proxy-wasm/exports.h) with their wasm signatures. */
const PROXY_ALWAYS: Record<string, FuncType> = {
  log: words(3),
  get_status: words(3),
  set_property: words(4),
  get_property: words(4),
  send_local_response: words(8),
  get_shared_data: words(5),
  set_shared_data: words(5),
  register_shared_queue: words(3),
  resolve_shared_queue: words(5),
  dequeue_shared_queue: words(3),
  enqueue_shared_queue: words(3),
  get_header_map_value: words(5),
  add_header_map_value: words(5),
  replace_header_map_value: words(5),
  remove_header_map_value: words(3),
  get_header_map_pairs: words(3),
  set_header_map_pairs: words(3),
  get_header_map_size: words(2),
  get_buffer_status: words(3),
  get_buffer_bytes: words(5),
  set_buffer_bytes: words(5),
  http_call: words(10),
  grpc_call: words(12),
  grpc_stream: words(9),
  grpc_close: words(1),
  grpc_cancel: words(1),
  grpc_send: words(4),
  set_tick_period_milliseconds: words(1),
  get_current_time_nanoseconds: words(1),
  define_metric: words(4),
  increment_metric: sig([I, L]),
  record_metric: sig([I, L]),
  get_metric: words(2),
  set_effective_context: words(1),
  done: words(0),
  call_foreign_function: words(6),
};

const PROXY_BY_ABI: Record<AbiVersion, Record<string, FuncType>> = {
  '0.1.0': {
    get_configuration: words(2),
    continue_request: words(0),
    continue_response: words(0),
    clear_route_cache: words(0),
  },
  '0.2.0': { continue_stream: words(1), close_stream: words(1) },
  '0.2.1': { continue_stream: words(1), close_stream: words(1), get_log_level: words(1) },
};

/** FOR_ALL_WASI_FUNCTIONS, registered under both wasi_unstable and wasi_snapshot_preview1. */
const WASI: Record<string, FuncType> = {
  fd_write: words(4),
  fd_read: words(4),
  fd_seek: sig([I, L, I, I]),
  fd_close: words(1),
  fd_fdstat_get: words(2),
  fd_fdstat_set_flags: words(2),
  fd_fdstat_set_rights: sig([I, L, L]),
  environ_get: words(2),
  environ_sizes_get: words(2),
  args_get: words(2),
  args_sizes_get: words(2),
  clock_time_get: sig([I, L, I]),
  clock_res_get: words(2),
  fd_advise: sig([I, L, L, I]),
  fd_allocate: sig([I, L, L]),
  fd_datasync: words(1),
  fd_filestat_set_size: sig([I, L]),
  fd_filestat_set_times: sig([I, L, L, I]),
  fd_pread: sig([I, I, I, L, I]),
  fd_pwrite: sig([I, I, I, L, I]),
  fd_readdir: sig([I, I, I, L, I]),
  fd_renumber: words(2),
  fd_sync: words(1),
  fd_tell: words(2),
  path_create_directory: words(3),
  path_filestat_set_times: sig([I, I, I, I, L, L, I]),
  path_link: words(6),
  path_readlink: words(6),
  path_remove_directory: words(3),
  path_rename: words(6),
  path_symlink: words(4),
  path_unlink_file: words(3),
  sock_accept: words(3),
  sock_recv: words(6),
  sock_send: words(5),
  sock_shutdown: words(2),
  random_get: words(2),
  sched_yield: words(0),
  poll_oneoff: words(4),
  proc_exit: sig([I], []),
  path_open: sig([I, I, I, I, I, L, L, I, I]),
  fd_prestat_get: words(2),
  fd_prestat_dir_name: words(3),
  path_filestat_get: words(5),
  fd_filestat_get: words(2),
};

export const WASI_MODULES = ['wasi_unstable', 'wasi_snapshot_preview1'] as const;

const tableCache = new Map<AbiVersion, ReadonlyMap<string, FuncType>>();

/** Every import Envoy registers for a module declaring `abi`, keyed "module.name". */
export function envoyImportTable(abi: AbiVersion): ReadonlyMap<string, FuncType> {
  const cached = tableCache.get(abi);
  if (cached) return cached;
  const table = new Map<string, FuncType>();
  table.set('env.pthread_equal', words(2));
  table.set('env.emscripten_notify_memory_growth', sig([I], []));
  for (const m of WASI_MODULES) for (const [n, t] of Object.entries(WASI)) table.set(`${m}.${n}`, t);
  for (const [n, t] of Object.entries(PROXY_ALWAYS)) table.set(`env.proxy_${n}`, t);
  for (const [n, t] of Object.entries(PROXY_BY_ABI[abi])) table.set(`env.proxy_${n}`, t);
  table.set('env.envoy_resolve_dns', words(3));
  tableCache.set(abi, table);
  return table;
}

export function printValTypes(types: readonly ValType[]): string {
  return types.length === 0 ? 'void' : types.join(' ');
}

function sameTypes(a: readonly ValType[], b: readonly ValType[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

export function sameSignature(a: FuncType, b: FuncType): boolean {
  return sameTypes(a.params, b.params) && sameTypes(a.results, b.results);
}

/** V8::link: the first import Envoy cannot satisfy, as Envoy's error message; null if none. */
export function checkImports(summary: ModuleSummary, abi: AbiVersion): string | null {
  const table = envoyImportTable(abi);
  for (const imp of summary.imports) {
    const key = `${imp.module}.${imp.name}`;
    if (imp.kind === 'global' || imp.kind === 'tag') {
      return `Failed to load Wasm module due to a missing import: ${key}`;
    }
    if (imp.kind !== 'func') continue;
    const host = table.get(key);
    if (!host) return `Failed to load Wasm module due to a missing import: ${key}`;
    const want = imp.type!;
    if (!sameSignature(want, host)) {
      return (
        `Failed to load Wasm module due to an import type mismatch: ${key}, ` +
        `want: ${printValTypes(want.params)} -> ${printValTypes(want.results)}, ` +
        `but host exports: ${printValTypes(host.params)} -> ${printValTypes(host.results)}`
      );
    }
  }
  return null;
}

/** The module callbacks of wasm.h (FOR_ALL_MODULE_FUNCTIONS) and their signatures. */
const MODULE_FUNCTIONS: Record<string, FuncType> = {
  proxy_validate_configuration: words(2),
  proxy_on_vm_start: words(2),
  proxy_on_configure: words(2),
  proxy_on_tick: sig([I], []),
  proxy_on_context_create: sig([I, I], []),
  proxy_on_new_connection: words(1),
  proxy_on_downstream_data: words(3),
  proxy_on_upstream_data: words(3),
  proxy_on_downstream_connection_close: sig([I, I], []),
  proxy_on_upstream_connection_close: sig([I, I], []),
  proxy_on_request_body: words(3),
  proxy_on_request_trailers: words(2),
  proxy_on_request_metadata: words(2),
  proxy_on_response_body: words(3),
  proxy_on_response_trailers: words(2),
  proxy_on_response_metadata: words(2),
  proxy_on_http_call_response: sig([I, I, I, I, I], []),
  proxy_on_grpc_receive: sig([I, I, I], []),
  proxy_on_grpc_close: sig([I, I, I], []),
  proxy_on_grpc_receive_initial_metadata: sig([I, I, I], []),
  proxy_on_grpc_receive_trailing_metadata: sig([I, I, I], []),
  proxy_on_queue_ready: sig([I, I], []),
  proxy_on_done: words(1),
  proxy_on_log: sig([I], []),
  proxy_on_delete: sig([I], []),
};

export type StartKind = '_initialize' | '_start' | 'none';

export interface ExportPlan {
  readonly start: StartKind;
  /** main(0,0) or __main_void() after _initialize, when exported. */
  readonly main: 'main' | '__main_void' | null;
  readonly malloc: 'malloc' | 'proxy_on_memory_allocate' | null;
  /** Names of the callbacks found with the right signature. */
  readonly callbacks: ReadonlySet<string>;
  /** Envoy's failure messages, in the order Envoy logs them. */
  readonly failures: readonly string[];
}

class ExportLookup {
  readonly failures: string[] = [];
  private readonly byName = new Map<string, FuncType>();

  constructor(summary: ModuleSummary) {
    for (const e of summary.exports) if (e.kind === 'func') this.byName.set(e.name, e.type!);
  }

  /** V8::getModuleFunctionImpl: absent → false; wrong signature → failure message, false. */
  get(name: string, want: FuncType): boolean {
    const have = this.byName.get(name);
    if (!have) return false;
    if (sameSignature(have, want)) return true;
    this.failures.push(
      `Bad function signature for: ${name}, want: ${printValTypes(want.params)} -> ` +
        `${printValTypes(want.results)}, but the module exports: ${printValTypes(have.params)} -> ` +
        `${printValTypes(have.results)}`,
    );
    return false;
  }
}

/** WasmBase::getFunctions (+ Envoy's Wasm::getFunctions) for a module declaring `abi`. */
export function planExports(summary: ModuleSummary, abi: AbiVersion): ExportPlan {
  const look = new ExportLookup(summary);
  let start: StartKind = 'none';
  let main: ExportPlan['main'] = null;
  if (look.get('_initialize', sig([], []))) {
    start = '_initialize';
    if (look.get('main', words(2))) main = 'main';
    if (look.get('__main_void', words(0)) && main === null) main = '__main_void';
  } else if (look.get('_start', sig([], []))) {
    start = '_start';
  }
  let malloc: ExportPlan['malloc'] = look.get('malloc', words(1)) ? 'malloc' : null;
  if (!malloc && look.get('proxy_on_memory_allocate', words(1))) malloc = 'proxy_on_memory_allocate';
  if (!malloc) look.failures.push('Wasm module is missing malloc function.');
  const callbacks = new Set<string>();
  for (const [name, type] of Object.entries(MODULE_FUNCTIONS)) if (look.get(name, type)) callbacks.add(name);
  const headers = abi === '0.1.0' ? words(2) : words(3);
  for (const name of ['proxy_on_request_headers', 'proxy_on_response_headers']) {
    if (look.get(name, headers)) callbacks.add(name);
  }
  if (abi !== '0.1.0' && look.get('proxy_on_foreign_function', sig([I, I, I], []))) {
    callbacks.add('proxy_on_foreign_function');
  }
  if (look.get('envoy_on_resolve_dns', sig([I, I, I], []))) callbacks.add('envoy_on_resolve_dns');
  if (look.get('envoy_on_stats_update', sig([I, I], []))) callbacks.add('envoy_on_stats_update');
  return { start, main, malloc, callbacks, failures: look.failures };
}

/** Imports allowed while _initialize/_start/main run (WasmBase::startVm). */
export const START_ALLOWED: ReadonlySet<string> = new Set([
  'env.emscripten_notify_memory_growth',
  'env.proxy_log',
  ...WASI_MODULES.flatMap((m) =>
    [
      'fd_write', 'args_sizes_get', 'args_get', 'environ_sizes_get', 'environ_get', 'clock_time_get',
      'clock_res_get', 'random_get', 'poll_oneoff', 'fd_fdstat_get', 'fd_fdstat_set_flags',
      'fd_advise', 'fd_allocate', 'fd_datasync', 'fd_fdstat_set_rights', 'fd_filestat_get',
      'fd_filestat_set_size', 'fd_filestat_set_times', 'fd_pread', 'fd_prestat_dir_name',
      'fd_prestat_get', 'fd_pwrite', 'fd_readdir', 'fd_renumber', 'fd_sync', 'fd_tell',
      'path_create_directory', 'path_filestat_get', 'path_filestat_set_times', 'path_link',
      'path_readlink', 'path_remove_directory', 'path_rename', 'path_symlink', 'path_unlink_file',
      'sock_accept', 'sock_recv', 'sock_send', 'sock_shutdown',
    ].map((n) => `${m}.${n}`),
  ),
]);

/** Imports allowed while the host calls the guest allocator (WasmBase::allocMemory). */
export const MALLOC_ALLOWED: ReadonlySet<string> = new Set([
  'env.proxy_log',
  ...WASI_MODULES.flatMap((m) => ['fd_write', 'clock_time_get', 'poll_oneoff'].map((n) => `${m}.${n}`)),
]);
