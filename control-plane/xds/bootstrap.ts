// Bootstraps that point a node at meshguard's xDS server: an Envoy sidecar's (ADS over gRPC,
// `cds_config`/`lds_config: {ads: {}}`, the admin interface) and a proxyless gRPC node's
// (GRPC_XDS_BOOTSTRAP: xds_servers, node metadata, the `meshguard` certificate provider and the
// server listener name template). Both are checked against the protos / grpc-js-xds's rules.
import { isIP } from 'node:net';
import type { CompiledWorkload } from '../policy/compiled.js';
import { duration, http2Options, socketAddress, struct, adsSource, type Msg } from './build/common.js';
import { PROVIDER_INSTANCE, SERVER_LISTENER_TEMPLATE, type HostPort } from './build/names.js';
import { sidecarClientTls } from './build/tls.js';
import { META_AUTHZ_ADDRESS, META_CERT_DIR, META_DNS_RESOLVER, META_INBOUND_PORT, META_LISTEN_ADDRESS, META_OUTBOUND_PORT, META_WASM_DIR, META_WORKLOAD } from './node.js';

export const XDS_CLUSTER = 'xds_cluster';

export interface EnvoyBootstrapOptions {
  readonly workload: CompiledWorkload;
  readonly xdsAddress: HostPort;
  /** Incremental ADS (DELTA_GRPC) instead of state of the world. */
  readonly delta: boolean;
  readonly adminPort: number;
  readonly wasmDir: string;
  readonly certDir: string;
  /** host:port of meshguard's ext_authz as the sidecar reaches it; omitted: the control plane's default. */
  readonly authzAddress: string | null;
  /** meshguard's ports require mTLS: the sidecar presents its certificate from certDir. */
  readonly tls: boolean;
  readonly nodeId?: string;
  /** Sidecar listener settings (node metadata); omitted: 0.0.0.0, 15006 and 15001. */
  readonly listenAddress?: string | null;
  readonly inboundPort?: number | null;
  readonly outboundPort?: number | null;
  /** host:port of the DNS server Envoy resolves egress names with; omitted: the system's. */
  readonly dnsResolver?: string | null;
  /** More node metadata (e.g. the direct-mode addresses of control-plane/xds/node.ts). */
  readonly metadata?: Readonly<Record<string, string>>;
}

function sidecarMetadata(o: EnvoyBootstrapOptions): Record<string, string> {
  const metadata: Record<string, string> = { ...o.metadata, [META_WORKLOAD]: o.workload.key, [META_WASM_DIR]: o.wasmDir, [META_CERT_DIR]: o.certDir };
  const optional: [string, string | number | null | undefined][] = [
    [META_AUTHZ_ADDRESS, o.authzAddress], [META_LISTEN_ADDRESS, o.listenAddress], [META_INBOUND_PORT, o.inboundPort],
    [META_OUTBOUND_PORT, o.outboundPort], [META_DNS_RESOLVER, o.dnsResolver],
  ];
  for (const [key, value] of optional) if (value !== null && value !== undefined && value !== '') metadata[key] = String(value);
  return metadata;
}

/** An Envoy v3 Bootstrap (protobufjs form; `toProto3Json` it for YAML). */
export function envoyBootstrap(o: EnvoyBootstrapOptions): Msg {
  const w = o.workload;
  const metadata = sidecarMetadata(o);
  const xds: Msg = {
    name: XDS_CLUSTER,
    type: isIP(o.xdsAddress.host) === 0 ? 'STRICT_DNS' : 'STATIC',
    connect_timeout: duration(1),
    typed_extension_protocol_options: http2Options(),
    load_assignment: { cluster_name: XDS_CLUSTER, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(o.xdsAddress.host, o.xdsAddress.port) } }] }] },
  };
  if (o.tls) xds.transport_socket = sidecarClientTls(o.certDir, null);
  return {
    node: { id: o.nodeId ?? `sidecar~${w.namespace}~${w.name}`, cluster: w.key, metadata: struct(metadata) },
    dynamic_resources: {
      ads_config: {
        api_type: o.delta ? 'DELTA_GRPC' : 'GRPC',
        transport_api_version: 'V3',
        grpc_services: [{ envoy_grpc: { cluster_name: XDS_CLUSTER } }],
        set_node_on_first_message_only: true,
      },
      cds_config: adsSource(),
      lds_config: adsSource(),
    },
    static_resources: { clusters: [xds] },
    admin: { address: socketAddress('127.0.0.1', o.adminPort) },
  };
}

export interface GrpcBootstrapOptions {
  readonly workload: string;
  readonly xdsAddress: HostPort;
  readonly nodeId: string;
  /** The workload's certificate, key and the mesh CA (PEM files), watched by file_watcher. */
  readonly certificate: { readonly cert: string; readonly key: string; readonly ca: string };
}

/**
 * A GRPC_XDS_BOOTSTRAP document for a proxyless @grpc/grpc-js-xds client or server. It carries no
 * `meshguard.io/proxyless` marker: meshguard tells a gRPC node by its user agent and the names it asks for.
 */
export function grpcBootstrap(o: GrpcBootstrapOptions): Record<string, unknown> {
  const host = o.xdsAddress.host.includes(':') ? `[${o.xdsAddress.host}]` : o.xdsAddress.host;
  return {
    xds_servers: [{ server_uri: `${host}:${o.xdsAddress.port}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: o.nodeId, locality: {}, metadata: { [META_WORKLOAD]: o.workload } },
    certificate_providers: {
      [PROVIDER_INSTANCE]: {
        plugin_name: 'file_watcher',
        config: { certificate_file: o.certificate.cert, private_key_file: o.certificate.key, ca_certificate_file: o.certificate.ca, refresh_interval: '60s' },
      },
    },
    server_listener_resource_name_template: SERVER_LISTENER_TEMPLATE,
  };
}
