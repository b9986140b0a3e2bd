// Typed access to Node's WebAssembly global. The repository compiles with lib ES2022 and no DOM
// types, so the few parts the host uses are declared here instead of globally.

export interface WasmModule {
  readonly __wasmModule?: never;
}

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}

export interface WasmTable {
  readonly length: number;
}

export interface WasmInstance {
  readonly exports: Readonly<Record<string, unknown>>;
}

export type WasmImportValue = WasmMemory | WasmTable | ((...args: never[]) => unknown) | number | bigint;
export type WasmImports = Record<string, Record<string, WasmImportValue>>;

export interface WasmModuleImport {
  readonly module: string;
  readonly name: string;
  readonly kind: string;
}

interface WebAssemblyApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  Module: { new (bytes: Uint8Array): WasmModule; imports(m: WasmModule): WasmModuleImport[] };
  Instance: new (module: WasmModule, imports: WasmImports) => WasmInstance;
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
  Table: new (descriptor: { element: 'anyfunc'; initial: number; maximum?: number }) => WasmTable;
  RuntimeError: new (message?: string) => Error;
}

export const wasmApi: WebAssemblyApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

export function isWasmMemory(x: unknown): x is WasmMemory {
  return x instanceof wasmApi.Memory;
}

export function isWasmRuntimeError(x: unknown): x is Error {
  return x instanceof wasmApi.RuntimeError;
}
