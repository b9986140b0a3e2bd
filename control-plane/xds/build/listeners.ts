// Listeners: a sidecar's inbound (per port: TLS, identity + anomaly wasm, ext_authz, RBAC, router)
// and outbound (egress wasm, ext_authz, router over RDS), a proxyless client's api_listener, and a
// proxyless server's listener (RBAC, router, non_forwarding_action).
import type { CompiledPolicy, CompiledWorkload } from '../../policy/compiled.js';
import { HCM_TYPE } from '../resources/listener.js';
import { adsSource, socketAddress, typed, type Msg } from './common.js';
import { CONTEXT_WORKLOAD, destinationPortFilter, extAuthzFilter, extAuthzPerRoute, forwardProxyFilter, rbacFilter, routerFilter, wasmFilter } from './http-filters.js';
import {
  clientListenerName, ECDS_ANOMALY, ECDS_EGRESS, ECDS_IDENTITY, HCM_FILTER, inboundAppCluster, INBOUND_LISTENER,
  OUTBOUND_LISTENER, OUTBOUND_ROUTE, PASSTHROUGH_CLUSTER, type HostPort,
} from './names.js';
import { rbacRules } from './rbac.js';
import { proxylessServerTls, sidecarServerTls } from './tls.js';

const ORIGINAL_DST = { name: 'envoy.filters.listener.original_dst', typed_config: typed('envoy.extensions.filters.listener.original_dst.v3.OriginalDst', {}) };
const TLS_INSPECTOR = { name: 'envoy.filters.listener.tls_inspector', typed_config: typed('envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector', {}) };

function hcm(fields: Msg): Msg {
  return { name: HCM_FILTER, typed_config: { '@type': HCM_TYPE, ...fields } };
}

/** Path handling shared by sidecar connection managers: normalize, merge slashes, reject %2F/%5C, drop XFCC. */
const PATH_SAFETY: Msg = {
  normalize_path: { value: true },
  merge_slashes: true,
  path_with_escaped_slashes_action: 'REJECT_REQUEST',
  forward_client_cert_details: 'SANITIZE',
};

export interface SidecarPorts {
  /** Where both listeners bind (default 0.0.0.0). */
  readonly address: string;
  readonly inbound: number;
  readonly outbound: number;
  /** Direct mode: listen on these IPs (at the workload's ports / the outbound port, 80, 443) instead of 0.0.0.0 behind a redirect. */
  readonly inboundAddress?: string | null;
  readonly outboundAddress?: string | null;
}

/** A listener's `address` and `additional_addresses` for `host` at each of `ports`. */
function addresses(host: string, ports: readonly number[]): Msg {
  const [first, ...rest] = ports;
  const out: Msg = { address: socketAddress(host, first!) };
  if (rest.length > 0) out.additional_addresses = rest.map((p) => ({ address: socketAddress(host, p) }));
  return out;
}

function inboundHcm(w: CompiledWorkload, port: number | null, rbac: Msg): Msg {
  const cluster = port === null ? PASSTHROUGH_CLUSTER : inboundAppCluster(port);
  return hcm({
    stat_prefix: port === null ? 'inbound' : `inbound_${port}`,
    codec_type: 'AUTO',
    ...PATH_SAFETY,
    route_config: {
      name: port === null ? INBOUND_LISTENER : `${INBOUND_LISTENER}|${port}`,
      virtual_hosts: [{
        name: 'inbound', domains: ['*'],
        routes: [{ match: { prefix: '/' }, route: { cluster } }],
        typed_per_filter_config: extAuthzPerRoute({ [CONTEXT_WORKLOAD]: w.key }),
      }],
    },
    http_filters: [wasmFilter(ECDS_IDENTITY), wasmFilter(ECDS_ANOMALY), extAuthzFilter(), rbacFilter(rbac), routerFilter()],
  });
}

function inboundChains(policy: CompiledPolicy, w: CompiledWorkload, certDir: string, rbac: Msg): Msg[] {
  const strict = policy.defaults.mtls === 'strict';
  const ports: (number | null)[] = w.ports.length > 0 ? [...w.ports] : [null];
  const chains: Msg[] = [];
  for (const port of ports) {
    const match: Msg = port === null ? {} : { destination_port: { value: port } };
    const filters = [inboundHcm(w, port, rbac)];
    chains.push({ name: `inbound|${port ?? '*'}|tls`, filter_chain_match: { ...match, transport_protocol: 'tls' }, transport_socket: sidecarServerTls(certDir, strict), filters });
    if (!strict) chains.push({ name: `inbound|${port ?? '*'}|plaintext`, filter_chain_match: { ...match, transport_protocol: 'raw_buffer' }, filters });
  }
  return chains;
}

export function sidecarInbound(policy: CompiledPolicy, w: CompiledWorkload, ports: SidecarPorts, certDir: string): Msg {
  const direct = ports.inboundAddress ?? null;
  return {
    name: INBOUND_LISTENER,
    ...(direct === null ? addresses(ports.address, [ports.inbound]) : addresses(direct, w.ports.length > 0 ? w.ports : [ports.inbound])),
    listener_filters: [ORIGINAL_DST, TLS_INSPECTOR],
    filter_chains: inboundChains(policy, w, certDir, rbacRules(policy, w)),
  };
}

export function sidecarOutbound(ports: SidecarPorts, dnsResolver: HostPort | null): Msg {
  const direct = ports.outboundAddress ?? null;
  return {
    name: OUTBOUND_LISTENER,
    ...(direct === null ? addresses(ports.address, [ports.outbound]) : addresses(direct, [...new Set([ports.outbound, 80, 443])])),
    listener_filters: [ORIGINAL_DST],
    filter_chains: [{
      name: 'outbound',
      filters: [hcm({
        stat_prefix: 'outbound',
        codec_type: 'AUTO',
        ...PATH_SAFETY,
        rds: { route_config_name: OUTBOUND_ROUTE, config_source: adsSource() },
        http_filters: [wasmFilter(ECDS_EGRESS), extAuthzFilter(), destinationPortFilter(), forwardProxyFilter(dnsResolver), routerFilter()],
      })],
    }],
  };
}

/** `xds:///<name>.<namespace>`: an api_listener whose HCM takes its route over RDS. */
export function proxylessClient(w: CompiledWorkload): Msg {
  const name = clientListenerName(w);
  return {
    name,
    api_listener: {
      api_listener: {
        '@type': HCM_TYPE,
        stat_prefix: name,
        rds: { route_config_name: name, config_source: adsSource() },
        http_filters: [{ name: 'router', typed_config: routerFilter().typed_config }],
      },
    },
  };
}

/** The listener a proxyless server bound at `address` asks for by name. */
export function proxylessServer(policy: CompiledPolicy, w: CompiledWorkload, name: string, address: HostPort): Msg {
  return {
    name,
    address: socketAddress(address.host, address.port),
    default_filter_chain: {
      name: 'meshguard.inbound',
      filters: [hcm({
        stat_prefix: 'meshguard_inbound',
        route_config: {
          name: 'meshguard.inbound',
          virtual_hosts: [{ name: 'inbound', domains: ['*'], routes: [{ match: { prefix: '' }, non_forwarding_action: {} }] }],
        },
        http_filters: [{ name: 'rbac', typed_config: rbacFilter(rbacRules(policy, w)).typed_config }, { name: 'router', typed_config: routerFilter().typed_config }],
      })],
      transport_socket: proxylessServerTls(policy.defaults.mtls === 'strict'),
    },
  };
}
