// Clusters: meshguard's ext_authz server, the local app per inbound port, passthrough, the wasm
// artifact host, and one EDS cluster per in-mesh workload (sidecar and proxyless flavours).
import { isIP } from 'node:net';
import type { CompiledWorkload } from '../../policy/compiled.js';
import { adsSource, duration, http2Options, socketAddress, typed, type Msg } from './common.js';
import { AUTHZ_CLUSTER, clusterName, DNS_CACHE, EGRESS_CLUSTER, inboundAppCluster, PASSTHROUGH_CLUSTER, TLS_SOCKET, WASM_CLUSTER, type HostPort } from './names.js';
import { proxylessClientTls, sidecarClientTls } from './tls.js';

function inlineEndpoints(name: string, address: HostPort): Msg {
  return { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(address.host, address.port) } }] }] };
}

/** `certDir` null: meshguard's ports are plaintext (no TLS material); else mTLS, checking `authzIdentity` when known. */
export function authzCluster(address: HostPort, tls: { certDir: string; authzIdentity: string | null } | null): Msg {
  const cluster: Msg = {
    name: AUTHZ_CLUSTER,
    type: isIP(address.host) === 0 ? 'STRICT_DNS' : 'STATIC',
    connect_timeout: duration(1),
    typed_extension_protocol_options: http2Options(),
    load_assignment: inlineEndpoints(AUTHZ_CLUSTER, address),
  };
  if (tls) cluster.transport_socket = sidecarClientTls(tls.certDir, tls.authzIdentity);
  return cluster;
}

export function inboundApp(port: number, appAddress = '127.0.0.1'): Msg {
  const name = inboundAppCluster(port);
  return { name, type: 'STATIC', connect_timeout: duration(1), load_assignment: inlineEndpoints(name, { host: appAddress, port }) };
}

/** To the original destination; in direct mode (no redirect, so no original destination) to `direct`. */
export function passthrough(direct: HostPort | null = null): Msg {
  if (direct) return { name: PASSTHROUGH_CLUSTER, type: 'STATIC', connect_timeout: duration(5), load_assignment: inlineEndpoints(PASSTHROUGH_CLUSTER, direct) };
  return { name: PASSTHROUGH_CLUSTER, type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', connect_timeout: duration(5) };
}

/**
 * The DNS cache Envoy resolves egress names with, shared by the forward-proxy filter and cluster
 * (they must be equal). `resolver`: a DNS server for c-ares (the node's `meshguard.io/dns-resolver`),
 * else the system's.
 */
export function dnsCache(resolver: HostPort | null): Msg {
  const cache: Msg = { name: DNS_CACHE, dns_lookup_family: 'V4_PREFERRED' };
  if (resolver) {
    cache.typed_dns_resolver_config = {
      name: 'envoy.network.dns_resolver.cares',
      typed_config: typed('envoy.extensions.network.dns_resolver.cares.v3.CaresDnsResolverConfig', {
        resolvers: [socketAddress(resolver.host, resolver.port)],
        dns_resolver_options: { no_default_search_domain: true },
      }),
    };
  }
  return cache;
}

/** Allowed egress goes here: Envoy connects to the address it resolved for the Host it checked. */
export function egressCluster(resolver: HostPort | null): Msg {
  return {
    name: EGRESS_CLUSTER,
    connect_timeout: duration(5),
    lb_policy: 'CLUSTER_PROVIDED',
    cluster_type: {
      name: 'envoy.clusters.dynamic_forward_proxy',
      typed_config: typed('envoy.extensions.clusters.dynamic_forward_proxy.v3.ClusterConfig', { dns_cache_config: dnsCache(resolver) }),
    },
  };
}

/** Where Envoy fetches remote wasm modules (`MESHGUARD_WASM_BASE_URL`). */
export function wasmArtifacts(baseUrl: string): Msg {
  const url = new URL(baseUrl);
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const cluster: Msg = {
    name: WASM_CLUSTER, type: 'STRICT_DNS', connect_timeout: duration(5),
    load_assignment: inlineEndpoints(WASM_CLUSTER, { host: url.hostname.replace(/^\[|\]$/g, ''), port }),
  };
  if (url.protocol === 'https:') {
    cluster.transport_socket = { name: TLS_SOCKET, typed_config: typed('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', { sni: url.hostname }) };
  }
  return cluster;
}

function edsCluster(w: CompiledWorkload): Msg {
  return {
    name: clusterName(w),
    type: 'EDS',
    eds_cluster_config: { eds_config: adsSource(), service_name: clusterName(w) },
    connect_timeout: duration(1),
    lb_policy: 'ROUND_ROBIN',
  };
}

/** A sidecar's cluster for an in-mesh workload: always mTLS, checking the destination's SPIFFE ID. */
export function sidecarMeshCluster(w: CompiledWorkload, certDir: string): Msg {
  return { ...edsCluster(w), transport_socket: sidecarClientTls(certDir, w.identity) };
}

/** A proxyless client's cluster: TLS from the `meshguard` certificate provider, checking the server's SPIFFE ID. */
export function proxylessMeshCluster(w: CompiledWorkload): Msg {
  return { ...edsCluster(w), transport_socket: proxylessClientTls(w.identity) };
}
