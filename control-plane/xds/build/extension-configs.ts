// ECDS resources: one TypedExtensionConfig per wasm filter, holding the Wasm PluginConfig whose
// configuration is the filter's own part of the workload's filter configuration
// (control-plane/filter-config/filter-config.ts, perFilterConfigs).
import { HTTP_WASM_TYPE } from '../resources/extension-config.js';
import { duration, typed, type Msg } from './common.js';
import { WASM_CLUSTER } from './names.js';
import type { WasmModuleName, WasmSource } from './wasm-modules.js';

export const SHA256_ENV = 'MESHGUARD_WASM_SHA256';

function code(module: WasmModuleName, wasmDir: string, source: WasmSource): { code: Msg; env: Msg | null } {
  const sha256 = source.sha256[module];
  if (source.baseUrl !== null && sha256 !== null) {
    const uri = `${source.baseUrl.replace(/\/+$/, '')}/${module}.wasm`;
    return { code: { remote: { http_uri: { uri, cluster: WASM_CLUSTER, timeout: duration(10) }, sha256 } }, env: null };
  }
  return {
    code: { local: { filename: `${wasmDir}/${module}.wasm` } },
    env: sha256 === null ? null : { key_values: { [SHA256_ENV]: sha256 } },
  };
}

/** `name` is the ECDS resource and HTTP filter name (meshguard.identity...), `module` the .wasm file. */
export function wasmExtensionConfig(name: string, module: WasmModuleName, configJson: string, wasmDir: string, source: WasmSource): Msg {
  const { code: vmCode, env } = code(module, wasmDir, source);
  const vm: Msg = { vm_id: name, runtime: 'envoy.wasm.runtime.v8', code: vmCode };
  if (env) vm.environment_variables = env;
  return {
    name,
    typed_config: {
      '@type': HTTP_WASM_TYPE,
      config: {
        name,
        root_id: name,
        vm_config: vm,
        configuration: typed('google.protobuf.StringValue', { value: configJson }),
        failure_policy: 'FAIL_CLOSED',
      },
    },
  };
}
