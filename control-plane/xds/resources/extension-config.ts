// TypedExtensionConfig (ECDS): meshguard's wasm HTTP filters, each a Wasm PluginConfig with a VM
// (runtime, code from a local file or a remote URL with its sha256) and a JSON configuration.
import { EXTENSION_CONFIG } from '../type-urls.js';
import { obj, resourceType, str, typeOf, type Diags, type Obj } from './common.js';

export const HTTP_WASM_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm';
const STRING_VALUE = 'type.googleapis.com/google.protobuf.StringValue';

function validateCode(code: Obj | undefined, d: Diags): void {
  const local = obj(code?.local);
  const remote = obj(code?.remote);
  if (local) {
    if (str(local.filename) === '') d.add('typed_config.config.vm_config.code.local', 'no filename');
  } else if (remote) {
    if (str(obj(remote.http_uri)?.uri) === '') d.add('typed_config.config.vm_config.code.remote.http_uri', 'no uri');
    if (!/^[0-9a-f]{64}$/.test(str(remote.sha256))) d.add('typed_config.config.vm_config.code.remote.sha256', 'not a hex SHA-256');
  } else {
    d.add('typed_config.config.vm_config.code', 'neither local nor remote');
  }
}

function validateWasm(w: Obj, d: Diags): void {
  const config = obj(w.config);
  const vm = obj(config?.vm_config);
  if (!config || !vm) return void d.add('typed_config.config.vm_config', 'unset');
  if (str(vm.runtime) === '') d.add('typed_config.config.vm_config.runtime', 'empty');
  validateCode(obj(vm.code), d);
  const configuration = obj(config.configuration);
  if (configuration && typeOf(configuration) === STRING_VALUE) {
    try {
      JSON.parse(str(configuration.value));
    } catch {
      d.add('typed_config.config.configuration', 'not JSON');
    }
  }
}

function validateExtension(e: Obj, d: Diags): void {
  const typed = obj(e.typed_config);
  if (!typed) return void d.add('typed_config', 'unset');
  if (typeOf(typed) === HTTP_WASM_TYPE) validateWasm(typed, d);
  else d.add('typed_config', `unexpected type ${typeOf(typed)}`);
}

export const extensionConfigType = resourceType(EXTENSION_CONFIG, false, validateExtension);
