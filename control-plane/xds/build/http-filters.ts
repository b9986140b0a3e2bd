// HTTP filters of the connection managers: the wasm filters by ECDS, ext_authz, RBAC, the router.
import { MAX_BODY_BYTES } from '../../canon/body.js';
import { HTTP_WASM_TYPE } from '../resources/extension-config.js';
import { adsSource, duration, typed, type Msg } from './common.js';
import { dnsCache } from './clusters.js';
import { AUTHZ_CLUSTER, DFP_FILTER, EXT_AUTHZ_FILTER, RBAC_FILTER, ROUTER_FILTER, SET_FILTER_STATE_FILTER, type HostPort } from './names.js';

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
      // The one body rule (canon/body.ts): meshguard reads the first MAX_BODY_BYTES bytes, sent as
      // bytes (raw_body) so that they arrive as sent. The certificate is not needed (source.principal is).
      with_request_body: { max_request_bytes: MAX_BODY_BYTES, allow_partial_message: true, pack_as_bytes: true },
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

/**
 * Egress keeps the port the connection was made to (DESIGN.md: the egress port is the destination
 * port): the forward proxy takes its port from this filter state, its host from the Host header.
 */
export function destinationPortFilter(): Msg {
  return {
    name: SET_FILTER_STATE_FILTER,
    typed_config: typed('envoy.extensions.filters.http.set_filter_state.v3.Config', {
      on_request_headers: [{ object_key: 'envoy.upstream.dynamic_port', format_string: { text_format_source: { inline_string: '%DOWNSTREAM_LOCAL_PORT%' } } }],
    }),
  };
}

/** Resolves the Host of a request routed to the egress cluster (after the egress checks passed). */
export function forwardProxyFilter(resolver: HostPort | null): Msg {
  return {
    name: DFP_FILTER,
    typed_config: typed('envoy.extensions.filters.http.dynamic_forward_proxy.v3.FilterConfig', {
      dns_cache_config: dnsCache(resolver),
      allow_dynamic_host_from_filter_state: true,
    }),
  };
}

export function rbacFilter(rules: Msg): Msg {
  return { name: RBAC_FILTER, typed_config: typed('envoy.extensions.filters.http.rbac.v3.RBAC', { rules }) };
}

export function routerFilter(): Msg {
  return { name: ROUTER_FILTER, typed_config: typed('envoy.extensions.filters.http.router.v3.Router', {}) };
}
