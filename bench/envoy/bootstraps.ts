// Static Envoy bootstraps for the Envoy benchmark (proto3 JSON): one TLS listener that requires a
// client certificate, the HTTP filters under test, and a direct response behind them, so that the
// CPU Envoy spends is the connection manager plus those filters (no upstream to proxy to).
export interface FilterModule {
  readonly name: string;
  readonly file: string;
  readonly configuration: string;
}

export interface BenchListener {
  readonly address: string;
  readonly port: number;
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

type Json = Record<string, unknown>;

export function wasmFilter(m: FilterModule): Json {
  return {
    name: `meshguard.${m.name}`,
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm',
      config: {
        name: m.name, root_id: m.name,
        vm_config: { vm_id: m.name, runtime: 'envoy.wasm.runtime.v8', code: { local: { filename: m.file } } },
        configuration: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: m.configuration },
        failure_policy: 'FAIL_CLOSED',
      },
    },
  };
}

/** ext_authz as meshguard's xDS configures it (gRPC, fail closed, the body's first 8 KiB). */
export function extAuthzFilter(): Json {
  return {
    name: 'envoy.filters.http.ext_authz',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
      grpc_service: { envoy_grpc: { cluster_name: 'meshguard.authz' }, timeout: '0.5s' },
      transport_api_version: 'V3', failure_mode_allow: false,
      with_request_body: { max_request_bytes: 8192, allow_partial_message: true },
    },
  };
}

export function bootstrap(listener: BenchListener, filters: readonly Json[], contextExtensions: Record<string, string>, authzPort: number | null): Json {
  const clusters = authzPort === null ? [] : [{
    name: 'meshguard.authz', type: 'STATIC', connect_timeout: '1s',
    typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', explicit_http_config: { http2_protocol_options: {} } } },
    load_assignment: { cluster_name: 'meshguard.authz', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: authzPort } } } }] }] },
  }];
  return {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      clusters,
      listeners: [{
        name: 'bench',
        address: { socket_address: { address: listener.address, port_value: listener.port } },
        filter_chains: [{
          transport_socket: {
            name: 'envoy.transport_sockets.tls',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
              common_tls_context: { tls_certificates: [{ certificate_chain: { filename: listener.cert }, private_key: { filename: listener.key } }], validation_context: { trusted_ca: { filename: listener.ca } } },
              require_client_certificate: true,
            },
          },
          filters: [{
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              stat_prefix: 'bench', codec_type: 'AUTO',
              route_config: {
                virtual_hosts: [{
                  name: 'all', domains: ['*'],
                  routes: [{ match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: 'ok' } } }],
                  typed_per_filter_config: authzPort === null ? {} : {
                    'envoy.filters.http.ext_authz': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute', check_settings: { context_extensions: contextExtensions } },
                  },
                }],
              },
              http_filters: [...filters, { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
            },
          }],
        }],
      }],
    },
  };
}
