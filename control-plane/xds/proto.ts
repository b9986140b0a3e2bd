// Envoy's protos as one protobufjs Root (snake_case field names, as in Envoy's YAML), for
// encoding the resources meshguard builds into `Any {type_url, value}` and decoding them back.
// google/protobuf/* comes from protobufjs itself, everything else from @grpc/grpc-js-xds/deps/*.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';
import { ENVOY_PROTO_INCLUDE_DIRS } from '../envoy-protos.js';
import { messageNameOf } from './type-urls.js';

const require = createRequire(import.meta.url);
const PROTOBUFJS_ROOT = dirname(require.resolve('protobufjs/package.json'));

/** Every proto file whose messages meshguard builds, sends or receives. */
export const XDS_PROTO_FILES: readonly string[] = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/extension/v3/config_discovery.proto',
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/config/core/v3/extension.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto',
  'envoy/extensions/filters/http/wasm/v3/wasm.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/filters/http/dynamic_forward_proxy/v3/dynamic_forward_proxy.proto',
  'envoy/extensions/clusters/dynamic_forward_proxy/v3/cluster.proto',
  'envoy/extensions/filters/http/set_filter_state/v3/set_filter_state.proto',
  'envoy/extensions/network/dns_resolver/cares/v3/cares_dns_resolver.proto',
];

function resolveImport(origin: string, target: string): string {
  if (target.startsWith('google/protobuf/')) {
    const bundled = join(PROTOBUFJS_ROOT, target);
    if (existsSync(bundled)) return bundled;
  }
  for (const dir of ENVOY_PROTO_INCLUDE_DIRS) {
    const candidate = join(dir, target);
    if (existsSync(candidate)) return candidate;
  }
  // protobufjs maps google/protobuf/{any,duration,struct,wrappers,...}.proto to its built-in copies.
  return protobuf.util.path.resolve(origin, target);
}

/**
 * The protos in @grpc/grpc-js-xds predate `PluginConfig.failure_policy` (field 7, enum
 * `envoy.extensions.wasm.v3.FailurePolicy`, Envoy ≥ 1.33; go-control-plane
 * envoy/extensions/wasm/v3/wasm.pb.go). It is added here with the upstream number and values so
 * FAIL_CLOSED is sent explicitly; an older Envoy ignores the unknown field and fails closed anyway.
 */
function addWasmFailurePolicy(root: protobuf.Root): void {
  const ns = root.lookup('envoy.extensions.wasm.v3') as protobuf.Namespace;
  if (!ns.get('FailurePolicy')) {
    ns.add(new protobuf.Enum('FailurePolicy', { UNSPECIFIED: 0, FAIL_RELOAD: 1, FAIL_CLOSED: 2, FAIL_OPEN: 3 }));
  }
  const plugin = root.lookupType('envoy.extensions.wasm.v3.PluginConfig');
  if (!plugin.fields.failure_policy) plugin.add(new protobuf.Field('failure_policy', 7, 'FailurePolicy'));
}

/**
 * Likewise `FilterConfig.allow_dynamic_host_from_filter_state` of the dynamic forward proxy
 * (field 4, bool; go-control-plane envoy v1.40 dynamic_forward_proxy.pb.go): it makes the filter
 * take the egress port from filter state (the destination port) instead of the Host header.
 */
function addForwardProxyFilterState(root: protobuf.Root): void {
  const config = root.lookupType('envoy.extensions.filters.http.dynamic_forward_proxy.v3.FilterConfig');
  if (!config.fields.allow_dynamic_host_from_filter_state) config.add(new protobuf.Field('allow_dynamic_host_from_filter_state', 4, 'bool'));
}

let cached: protobuf.Root | null = null;

export function xdsRoot(): protobuf.Root {
  if (cached) return cached;
  const root = new protobuf.Root();
  root.resolvePath = resolveImport;
  root.loadSync([...XDS_PROTO_FILES], { keepCase: true });
  addWasmFailurePolicy(root);
  addForwardProxyFilterState(root);
  root.resolveAll();
  cached = root;
  return root;
}

const types = new Map<string, protobuf.Type>();

/** A message type by full name (`envoy.config.listener.v3.Listener`) or type URL. */
export function messageType(nameOrUrl: string): protobuf.Type {
  const name = messageNameOf(nameOrUrl);
  let t = types.get(name);
  if (!t) {
    t = xdsRoot().lookupType(name);
    types.set(name, t);
  }
  return t;
}

/** Options for turning decoded messages into plain objects that compare and print well. */
export const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: String, bytes: String, defaults: false, arrays: false, json: true };

/** Encodes a plain object (protobufjs form: wrappers as `{value}`, nested Anys with '@type'). */
export function encodeMessage(typeUrl: string, object: Record<string, unknown>): Uint8Array {
  const type = messageType(typeUrl);
  return type.encode(type.fromObject(object)).finish();
}

export function decodeMessage(typeUrl: string, bytes: Uint8Array): Record<string, unknown> {
  const type = messageType(typeUrl);
  return type.toObject(type.decode(bytes), TO_OBJECT) as Record<string, unknown>;
}
