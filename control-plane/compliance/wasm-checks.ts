// MG-WASM-001: wasm modules loaded without a SHA-256 pin: in manifests (WasmPlugin, EnvoyFilter
// patches, Envoy configs with `vm_config.code.remote`) and in what `render istio` would generate.
import type { CompiledPolicy } from '../policy/compiled.js';
import { FILTERS, moduleRef } from '../istio/wasm-modules.js';
import { finding, type Finding, type Location } from './finding.js';
import type { Manifest } from './manifests.js';
import type { YamlPath } from './yaml-locate.js';

const HEX64 = /^[a-f0-9]{64}$/;
const MAX_DEPTH = 64;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function wasmPluginFinding(m: Manifest): Finding[] {
  const spec = isObject(m.object.spec) ? m.object.spec : {};
  const url = typeof spec.url === 'string' ? spec.url : '';
  if ((typeof spec.sha256 === 'string' && HEX64.test(spec.sha256)) || /@sha256:[a-f0-9]{64}$/.test(url)) return [];
  return [finding('MG-WASM-001', `WasmPlugin ${m.namespace}/${m.name}: ${url || 'its module'} has no sha256`, m.locator.locate([...m.base, 'spec', 'url'], true))];
}

/** Every `remote: { http_uri | httpUri }` data source below `value` that lacks a sha256. */
function unpinnedRemotes(value: unknown, path: YamlPath, depth: number, out: YamlPath[]): void {
  if (depth > MAX_DEPTH) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => unpinnedRemotes(v, [...path, i], depth + 1, out));
    return;
  }
  if (!isObject(value)) return;
  for (const [key, v] of Object.entries(value)) {
    if (key === 'remote' && isObject(v) && (isObject(v.http_uri) || isObject(v.httpUri))) {
      // An all-digit hash is a YAML number; any non-empty scalar counts as given.
      if (!((typeof v.sha256 === 'string' || typeof v.sha256 === 'number') && String(v.sha256).length > 0)) out.push([...path, key]);
      continue;
    }
    unpinnedRemotes(v, [...path, key], depth + 1, out);
  }
}

export function auditWasmManifest(m: Manifest): Finding[] {
  if (m.kind === 'WasmPlugin') return wasmPluginFinding(m);
  const paths: YamlPath[] = [];
  unpinnedRemotes(m.object, [], 0, paths);
  const what = m.kind ? `${m.kind} ${m.namespace}/${m.name}` : 'Envoy configuration';
  return paths.map((p) => finding('MG-WASM-001', `${what}: remote wasm code without sha256 (${p.join('.')})`, m.locator.locate([...m.base, ...p], true)));
}

/** The modules `render istio` would reference without a hash (their .sha256 file is missing). */
export function auditGeneratedWasm(policy: CompiledPolicy, wasmDir: string, where: Location): Finding[] {
  if (policy.workloads.size === 0) return [];
  return FILTERS.map((f) => moduleRef(f.name, '', wasmDir)).filter((m) => m.sha256 === null).map((m) =>
    finding('MG-WASM-001', `render istio would emit the ${m.name} WasmPlugins (${policy.workloads.size} workloads) without sha256: ${wasmDir}/${m.name}.wasm.sha256 is missing`, where));
}
