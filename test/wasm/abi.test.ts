// Each built module is one Envoy (proxy-wasm ABI v0.2.1) would load: only imports Envoy
// registers for that ABI, the callbacks with the signatures Envoy checks, a name section, and
// at most 128 KiB. The lists below are written from the notes (proxywasm.md §1.1, §1.2), not
// taken from the build script, so a wrong list in the script fails here.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain .mjs script without type declarations
import { COMPACT } from '../../scripts/build-wasm.mjs';
import { builtFilter, type BuiltFilter } from './build.js';
import { readModuleShape, type ModuleShape } from './module-shape.js';

const I = 'i32';
const sig = (params: string[], results: string[] = []) => ({ params: params.join(','), results: results.join(',') });

/** proxy-wasm-cpp-host FOR_ALL_HOST_FUNCTIONS + the ABI 0.2.1 extras, with wasm signatures. */
const ENVOY_IMPORTS_0_2_1: Record<string, { params: string; results: string }> = {
  proxy_log: sig([I, I, I], [I]),
  proxy_get_log_level: sig([I], [I]),
  proxy_get_status: sig([I, I, I], [I]),
  proxy_set_property: sig([I, I, I, I], [I]),
  proxy_get_property: sig([I, I, I, I], [I]),
  proxy_send_local_response: sig([I, I, I, I, I, I, I, I], [I]),
  proxy_get_shared_data: sig([I, I, I, I, I], [I]),
  proxy_set_shared_data: sig([I, I, I, I, I], [I]),
  proxy_register_shared_queue: sig([I, I, I], [I]),
  proxy_resolve_shared_queue: sig([I, I, I, I, I], [I]),
  proxy_dequeue_shared_queue: sig([I, I, I], [I]),
  proxy_enqueue_shared_queue: sig([I, I, I], [I]),
  proxy_get_header_map_value: sig([I, I, I, I, I], [I]),
  proxy_add_header_map_value: sig([I, I, I, I, I], [I]),
  proxy_replace_header_map_value: sig([I, I, I, I, I], [I]),
  proxy_remove_header_map_value: sig([I, I, I], [I]),
  proxy_get_header_map_pairs: sig([I, I, I], [I]),
  proxy_set_header_map_pairs: sig([I, I, I], [I]),
  proxy_get_header_map_size: sig([I, I], [I]),
  proxy_get_buffer_status: sig([I, I, I], [I]),
  proxy_get_buffer_bytes: sig([I, I, I, I, I], [I]),
  proxy_set_buffer_bytes: sig([I, I, I, I, I], [I]),
  proxy_http_call: sig([I, I, I, I, I, I, I, I, I, I], [I]),
  proxy_grpc_call: sig([I, I, I, I, I, I, I, I, I, I, I, I], [I]),
  proxy_grpc_stream: sig([I, I, I, I, I, I, I, I, I], [I]),
  proxy_grpc_close: sig([I], [I]),
  proxy_grpc_cancel: sig([I], [I]),
  proxy_grpc_send: sig([I, I, I, I], [I]),
  proxy_set_tick_period_milliseconds: sig([I], [I]),
  proxy_get_current_time_nanoseconds: sig([I], [I]),
  proxy_define_metric: sig([I, I, I, I], [I]),
  proxy_increment_metric: sig([I, 'i64'], [I]),
  proxy_record_metric: sig([I, 'i64'], [I]),
  proxy_get_metric: sig([I, I], [I]),
  proxy_set_effective_context: sig([I], [I]),
  proxy_done: sig([], [I]),
  proxy_call_foreign_function: sig([I, I, I, I, I, I], [I]),
  proxy_continue_stream: sig([I], [I]),
  proxy_close_stream: sig([I], [I]),
};

/** Callbacks Envoy looks up, with the signatures it requires (a mismatch fails the load). */
const CALLBACKS: Record<string, { params: string; results: string }> = {
  proxy_abi_version_0_2_1: sig([]),
  _initialize: sig([]),
  malloc: sig([I], [I]),
  proxy_on_memory_allocate: sig([I], [I]),
  proxy_on_context_create: sig([I, I]),
  proxy_on_vm_start: sig([I, I], [I]),
  proxy_on_configure: sig([I, I], [I]),
  proxy_on_tick: sig([I]),
  proxy_on_queue_ready: sig([I, I]),
  proxy_on_done: sig([I], [I]),
  proxy_on_log: sig([I]),
  proxy_on_delete: sig([I]),
  proxy_on_http_call_response: sig([I, I, I, I, I]),
  proxy_on_request_headers: sig([I, I, I], [I]),
  proxy_on_request_body: sig([I, I, I], [I]),
  proxy_on_request_trailers: sig([I, I], [I]),
  proxy_on_response_headers: sig([I, I, I], [I]),
  proxy_on_response_body: sig([I, I, I], [I]),
  proxy_on_response_trailers: sig([I, I], [I]),
  proxy_on_new_connection: sig([I], [I]),
  proxy_on_downstream_data: sig([I, I, I], [I]),
  proxy_on_downstream_connection_close: sig([I, I]),
  proxy_on_upstream_data: sig([I, I, I], [I]),
  proxy_on_upstream_connection_close: sig([I, I]),
};

const MODULES = ['noop', 'identity', 'egress', 'anomaly'] as const;

describe.each(MODULES)('%s.wasm', (name) => {
  let built: BuiltFilter;
  let shape: ModuleShape;
  beforeAll(async () => {
    built = await builtFilter(name);
    shape = readModuleShape(built.binary);
  }, 120_000);

  it('imports only env functions Envoy registers for ABI 0.2.1, with matching signatures', () => {
    expect(shape.imports.size).toBeGreaterThan(0);
    for (const [key, imported] of shape.imports) {
      const [module, field] = key.split('.');
      expect(module, key).toBe('env');
      expect(imported.kind, `${key} is not a function import`).toBe(0);
      const want = ENVOY_IMPORTS_0_2_1[field!];
      expect(want, `${key} is not registered by Envoy for ABI 0.2.1`).toBeDefined();
      expect({ params: imported.params, results: imported.results }, key).toEqual(want);
    }
  });

  it('has none of the AssemblyScript runtime imports (abort, trace, seed) or WASI', () => {
    const names = [...shape.imports.keys()];
    expect(names.filter((n) => /^env\.(abort|trace|seed)$|^wasi/.test(n))).toEqual([]);
  });

  it('exports the ABI marker, _initialize, malloc, memory and every callback with Envoy\'s signature', () => {
    expect(shape.exports.has('memory')).toBe(true);
    for (const [callback, want] of Object.entries(CALLBACKS)) {
      expect(shape.exports.get(callback), callback).toEqual(want);
    }
  });

  it('exports no proxy_on_* callback Envoy does not know for ABI 0.2.1', () => {
    const unknown = [...shape.exports.keys()].filter((e) => e.startsWith('proxy_') && !(e in CALLBACKS));
    expect(unknown).toEqual([]);
  });

  it('keeps the name section (function names in Envoy\'s in-VM backtrace), unless built compact', () => {
    expect(shape.hasNameSection).toBe(!COMPACT.has(name));
  });

  it('is at most 128 KiB', () => {
    expect(built.bytes).toBeLessThanOrEqual(128 * 1024);
  });

  it('has a .sha256 file holding the hex digest of the module', () => {
    const written = readFileSync(`${built.file}.sha256`, 'utf8');
    expect(written).toBe(createHash('sha256').update(built.binary).digest('hex'));
    expect(written).toMatch(/^[0-9a-f]{64}$/);
  });

  it('compiles under V8 (WebAssembly.Module accepts it)', () => {
    expect(() => new WebAssembly.Module(built.binary as Uint8Array<ArrayBuffer>)).not.toThrow();
  });
});
