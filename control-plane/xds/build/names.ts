// Resource names: the conventions clients and the README rely on.
import type { CompiledWorkload } from '../../policy/compiled.js';

/** The certificate provider instance every proxyless TLS context names (defined in the node's bootstrap). */
export const PROVIDER_INSTANCE = 'meshguard';

/** A proxyless gRPC server's bootstrap `server_listener_resource_name_template`. */
export const SERVER_LISTENER_PREFIX = 'meshguard/grpc/server?address=';
export const SERVER_LISTENER_TEMPLATE = `${SERVER_LISTENER_PREFIX}%s`;

/** Envoy sidecar resources. */
export const INBOUND_LISTENER = 'meshguard.inbound';
export const OUTBOUND_LISTENER = 'meshguard.outbound';
export const OUTBOUND_ROUTE = 'meshguard.outbound';
export const AUTHZ_CLUSTER = 'meshguard.authz';
export const PASSTHROUGH_CLUSTER = 'meshguard.passthrough';
export const WASM_CLUSTER = 'meshguard.wasm';
/** Allowed egress: Envoy's dynamic forward proxy, which resolves the checked name itself. */
export const EGRESS_CLUSTER = 'meshguard.dfp';
export const DNS_CACHE = 'meshguard.egress';

/** ECDS resource names; each is also the name of the HTTP filter that loads it. */
export const ECDS_IDENTITY = 'meshguard.identity';
export const ECDS_ANOMALY = 'meshguard.anomaly';
export const ECDS_EGRESS = 'meshguard.egress';

export const EXT_AUTHZ_FILTER = 'envoy.filters.http.ext_authz';
export const RBAC_FILTER = 'envoy.filters.http.rbac';
export const ROUTER_FILTER = 'envoy.filters.http.router';
export const DFP_FILTER = 'envoy.filters.http.dynamic_forward_proxy';
export const SET_FILTER_STATE_FILTER = 'envoy.filters.http.set_filter_state';
export const HCM_FILTER = 'envoy.filters.network.http_connection_manager';
export const TLS_SOCKET = 'envoy.transport_sockets.tls';

/** `xds:///<name>.<namespace>` → the client Listener and its RouteConfiguration. */
export function clientListenerName(w: CompiledWorkload): string {
  return `${w.name}.${w.namespace}`;
}

/** The Cluster of a workload, and the service name of its ClusterLoadAssignment. */
export function clusterName(w: CompiledWorkload): string {
  return `${w.namespace}/${w.name}`;
}

export function inboundAppCluster(port: number): string {
  return `meshguard.inbound|${port}`;
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** `1.2.3.4:80`, `[::1]:80`, `name:80` → host and port; null when malformed. */
export function parseHostPort(text: string): HostPort | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(text);
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1] ?? m[2]!, port };
}

/** The address in a server listener name, or null when the name is not one. */
export function serverListenerAddress(name: string): HostPort | null {
  return name.startsWith(SERVER_LISTENER_PREFIX) ? parseHostPort(name.slice(SERVER_LISTENER_PREFIX.length)) : null;
}
