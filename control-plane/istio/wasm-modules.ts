// The three proxy-wasm filters as Istio attaches them, and their modules' SHA-256 (written by the
// wasm build next to each module as `<name>.wasm.sha256`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type FilterName = 'identity' | 'egress' | 'anomaly';

export interface FilterSpec {
  readonly name: FilterName;
  /** WasmPlugin phase: AUTHZ runs before Istio's authorization filters (and the CUSTOM ext_authz). */
  readonly phase: 'AUTHN' | 'AUTHZ' | 'STATS';
  /** Higher runs first within a phase. */
  readonly priority: number;
  /** SERVER: inbound traffic of the workload; CLIENT: its outbound traffic. */
  readonly mode: 'SERVER' | 'CLIENT';
  /** ECDS resource name served by meshguard's xDS (control-plane/xds). */
  readonly ecdsName: string;
}

export const FILTERS: readonly FilterSpec[] = [
  { name: 'identity', phase: 'AUTHZ', priority: 300, mode: 'SERVER', ecdsName: 'meshguard.identity' },
  { name: 'anomaly', phase: 'AUTHZ', priority: 200, mode: 'SERVER', ecdsName: 'meshguard.anomaly' },
  { name: 'egress', phase: 'AUTHZ', priority: 300, mode: 'CLIENT', ecdsName: 'meshguard.egress' },
];

export interface ModuleRef {
  readonly name: FilterName;
  readonly url: string;
  /** Hex SHA-256 of the module, or null when `<name>.wasm.sha256` was not found. */
  readonly sha256: string | null;
}

const HEX64 = /^[a-f0-9]{64}$/;

/** Reads `<dir>/<name>.wasm.sha256` (the first 64-hex word); null when absent or malformed. */
export function readModuleSha256(dir: string, name: string): string | null {
  let text: string;
  try {
    text = readFileSync(join(dir, `${name}.wasm.sha256`), 'utf8');
  } catch {
    return null;
  }
  const word = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  return HEX64.test(word) ? word : null;
}

export function moduleRef(name: FilterName, baseUrl: string, dir: string): ModuleRef {
  return { name, url: `${baseUrl.replace(/\/+$/, '')}/${name}.wasm`, sha256: readModuleSha256(dir, name) };
}
