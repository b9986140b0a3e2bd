// Builds the import object for one VM from the module's own import list (the linker has already
// checked it against Envoy's table). Every host function first passes VM.guard when the VM is
// instantiating or in a restricted phase.

import { Limits } from './codes.js';
import type { ImportEntry } from '../loader/binary.js';
import { httpImports } from './imports-http.js';
import { proxyImports } from './imports-proxy.js';
import { wasiImports } from './imports-wasi.js';
import type { WasmVm } from '../vm/vm.js';
import { wasmApi, type WasmImports, type WasmMemory, type WasmTable } from '../loader/wasm-api.js';

/** A host function; parameters are i32 (number) or i64 (bigint) as the ABI says. */
export type HostFn = (...args: never[]) => number | void;
export type HostFnTable = Record<string, HostFn>;

type Loose = (...args: unknown[]) => number | void;

function guarded(vm: WasmVm, name: string, fn: HostFn): Loose {
  const g = fn as unknown as Loose;
  const needsGuard = () => vm.current === null || vm.restricted !== null;
  switch (fn.length) {
    case 0:
      return () => (needsGuard() && vm.guard(name), g());
    case 1:
      return (a) => (needsGuard() && vm.guard(name), g(a));
    case 2:
      return (a, b) => (needsGuard() && vm.guard(name), g(a, b));
    case 3:
      return (a, b, c) => (needsGuard() && vm.guard(name), g(a, b, c));
    case 4:
      return (a, b, c, d) => (needsGuard() && vm.guard(name), g(a, b, c, d));
    case 5:
      return (a, b, c, d, e) => (needsGuard() && vm.guard(name), g(a, b, c, d, e));
    default:
      return (...args) => (needsGuard() && vm.guard(name), g(...args));
  }
}

function envExtras(): HostFnTable {
  return {
    'env.pthread_equal': (a: number, b: number) => (a === b ? 1 : 0),
    'env.emscripten_notify_memory_growth': (_index: number) => undefined,
    // Envoy resolves asynchronously and calls envoy_on_resolve_dns; DNS is not emulated.
    'env.envoy_resolve_dns': (_ptr: number, _size: number, _tokenPtr: number) => 12,
  };
}

function importedMemory(vm: WasmVm, imp: ImportEntry): WasmMemory {
  const limits = imp.limits!;
  const maximum = Math.min(limits.max ?? Limits.maxMemoryPages, Limits.maxMemoryPages);
  const memory = new wasmApi.Memory({ initial: limits.min, maximum });
  vm.adoptImportedMemory(memory);
  return memory;
}

function importedTable(imp: ImportEntry): WasmTable {
  const { min, max } = imp.limits!;
  return new wasmApi.Table(max === undefined ? { element: 'anyfunc', initial: min } : { element: 'anyfunc', initial: min, maximum: max });
}

export function buildImports(vm: WasmVm): WasmImports {
  const table: HostFnTable = { ...proxyImports(vm), ...httpImports(vm), ...wasiImports(vm), ...envExtras() };
  const out: WasmImports = {};
  for (const imp of vm.core.imports) {
    const mod = (out[imp.module] ??= {});
    const key = `${imp.module}.${imp.name}`;
    if (imp.kind === 'func') {
      const fn = table[key];
      if (fn) mod[imp.name] = guarded(vm, key, fn);
    } else if (imp.kind === 'memory') {
      mod[imp.name] = importedMemory(vm, imp);
    } else if (imp.kind === 'table') {
      mod[imp.name] = importedTable(imp);
    }
  }
  return out;
}
