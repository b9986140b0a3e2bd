// Where sidecars find meshguard's wasm modules, and their SHA-256.
//
// A local module (`vm_config.code.local.filename = <wasm-dir>/<name>.wasm`) has no place for a
// hash in Envoy's API (DataSource has none; AsyncDataSource.remote.sha256 exists only for remote
// code). So: with a base URL (`serve`'s `xds.wasmBaseUrl`) the
// module is fetched by Envoy from `<base>/<name>.wasm` through cluster `meshguard.wasm` and
// checked against `remote.sha256`; without one it is read from the local file and the hash is
// carried as the VM environment variable MESHGUARD_WASM_SHA256 (visible in config_dump, so the
// deployed file can be compared), and a new hash makes a new VM config, hence a reload.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packagePath } from '../../package-root.js';

export const WASM_MODULES = ['identity', 'egress', 'anomaly'] as const;
export type WasmModuleName = (typeof WASM_MODULES)[number];

export interface WasmSource {
  /** e.g. https://artifacts.example/meshguard/v1 — null: modules are local files on the node. */
  readonly baseUrl: string | null;
  /** Hex SHA-256 of each module the control plane can see; null when not built. */
  readonly sha256: Readonly<Record<WasmModuleName, string | null>>;
}

function moduleHash(dir: string, name: WasmModuleName): string | null {
  const recorded = join(dir, `${name}.wasm.sha256`);
  if (existsSync(recorded)) {
    const text = readFileSync(recorded, 'utf8').trim().split(/\s+/)[0] ?? '';
    if (/^[0-9a-f]{64}$/.test(text)) return text;
  }
  const file = join(dir, `${name}.wasm`);
  return existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : null;
}

export interface WasmSourceOptions {
  readonly baseUrl?: string | null;
  /** Where the built modules are; default <package>/build/wasm. */
  readonly dir?: string | null;
}

/** Reads the hashes of the built modules. */
export function loadWasmSource({ baseUrl = null, dir = null }: WasmSourceOptions = {}): WasmSource {
  const from = dir ?? packagePath('build', 'wasm');
  const sha256 = Object.fromEntries(WASM_MODULES.map((m) => [m, moduleHash(from, m)])) as Record<WasmModuleName, string | null>;
  return { baseUrl: baseUrl === '' ? null : baseUrl, sha256 };
}
