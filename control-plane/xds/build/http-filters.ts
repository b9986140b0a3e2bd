// HTTP filters of the connection managers: the wasm filters by ECDS, ext_authz, RBAC, the router.
import { HTTP_WASM_TYPE } from '../resources/extension-config.js';
import { adsSource, duration, typed, type Msg } from './common.js';
import { AUTHZ_CLUSTER, EXT_AUTHZ_FILTER, RBAC_FILTER, ROUTER_FILTER } from './names.js';

export const CONTEXT_WORKLOAD = 'meshguard.io/workload';
export const CONTEXT_DIRECTION = 'meshguard.io/direction';

/** A wasm filter whose configuration is the ECDS resource of the same name; no default, so the listener warms until it arrives. */
export function wasmFilter(name: string): Msg {
  return { name, config_discovery: { config_source: adsSource(), type_urls: [HTTP_WASM_TYPE] } };
}

export function extAuthzFilter(): Msg {
  return {
    name: EXT_AUTHZ_FILTER,
    typed_config: typed('envoy.extensions.filters.http.ext_authz.v3.ExtAuthz', {
      grpc_service: { envoy_grpc: { cluster_name: AUTHZ_CLUSTER }, timeout: duration(0.5) },
      transport_api_version: 'V3',
      failure_mode_allow: false,
      // Anomaly scoring reads the start of the body; the certificate itself is not needed (source.principal is).
      with_request_body: { max_request_bytes: 8192, allow_partial_message: true },
      include_peer_certificate: false,
    }),
  };
}

/** Per-route ext_authz settings: the context extensions naming the workload (and direction). */
export function extAuthzPerRoute(extensions: Readonly<Record<string, string>>): Msg {
  return {
    [EXT_AUTHZ_FILTER]: typed('envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute', {
      check_settings: { context_extensions: { ...extensions } },
    }),
  };
}

export function rbacFilter(rules: Msg): Msg {
  return { name: RBAC_FILTER, typed_config: typed('envoy.extensions.filters.http.rbac.v3.RBAC', { rules }) };
}

export function routerFilter(): Msg {
  return { name: ROUTER_FILTER, typed_config: typed('envoy.extensions.filters.http.router.v3.Router', {}) };
}
