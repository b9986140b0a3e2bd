// Top-level property names as Envoy resolves them (Context::findValue → StreamActivation and the
// expr/context.cc wrappers), then Wasm-only tokens, then filter state "wasm.<name>".

import type { HeaderMap } from './headers.js';
import { CelMap, CelValue, durationNs, int64, timestampNs, uint64 } from './properties.js';
import { metadataMessage, nodeMessage, type NodeInfo } from './protobuf.js';
import { portOf, type StreamInfo, type TlsInfo } from './stream-info.js';

/** What a context can see when a property is read (Envoy's activation). */
export interface PropertyScope {
  readonly info: StreamInfo | null;
  readonly activeRequestHeaders: HeaderMap | null;
  readonly activeResponseHeaders: HeaderMap | null;
  readonly activeResponseTrailers: HeaderMap | null;
  /** null for the VM context, which has no plugin. */
  readonly pluginName: string | null;
  readonly rootId: string;
  readonly vmId: string;
  readonly node: NodeInfo | null;
}

/** A wrapper map that cannot list its keys (Envoy's BaseWrapper): serializing it fails. */
function wrapper(get: (key: string) => CelValue | undefined): CelMap {
  return { kind: 'map', get, keys: () => null };
}

const HEADER_NAME = /^:?[!#$%&'*+\-.^_`|~0-9a-z]+$/;

/** HeadersWrapper: distinct keys, repeated values joined with ",", invalid names not found. */
function headersMap(map: HeaderMap | null): CelMap {
  return {
    kind: 'map',
    get(key) {
      if (map === null || !HEADER_NAME.test(key)) return undefined;
      const all = map.getAll(key);
      return all.length === 0 ? undefined : all.join(',');
    },
    keys() {
      if (map === null) return [];
      return [...new Set(map.keysArray())];
    },
  };
}

function requestMap(s: PropertyScope, info: StreamInfo): CelMap {
  const h = s.activeRequestHeaders;
  const header = (name: string) => (h === null ? undefined : h.get(name));
  return wrapper((key) => {
    switch (key) {
      case 'headers': return headersMap(h);
      case 'headers_bytes': return int64(h === null ? 0 : h.byteSize());
      case 'time': return timestampNs(info.startNs);
      case 'size': {
        const cl = header('content-length');
        if (cl === undefined) return int64(info.bytesReceived);
        return /^\s*[+-]?\d+\s*$/.test(cl) ? int64(BigInt(cl.trim())) : undefined;
      }
      case 'total_size': return int64(info.bytesReceived + (h === null ? 0 : h.byteSize()));
      case 'duration':
        return info.requestCompleteNs === undefined ? undefined : durationNs(info.requestCompleteNs);
      case 'protocol': return info.input.protocol;
      case 'path': return header(':path');
      case 'url_path': {
        const p = header(':path');
        return p === undefined ? undefined : p.split('?', 1)[0]!;
      }
      case 'host': return header(':authority');
      case 'scheme': return header(':scheme');
      case 'method': return header(':method');
      case 'referer': return header('referer');
      case 'id': return header('x-request-id');
      case 'useragent': return header('user-agent');
      case 'query': {
        if (h === null) return undefined;
        const p = h.get(':path') ?? '';
        const q = p.indexOf('?');
        return q < 0 ? '' : p.slice(q + 1).split('#', 1)[0]!;
      }
      default: return undefined;
    }
  });
}

const HTTP_TO_GRPC: Record<number, number> = { 400: 13, 401: 16, 403: 7, 404: 12, 429: 14, 502: 14, 503: 14, 504: 14 };

function grpcStatus(s: PropertyScope, info: StreamInfo): CelValue | undefined {
  const raw = s.activeResponseTrailers?.get('grpc-status') ?? s.activeResponseHeaders?.get('grpc-status');
  if (raw !== undefined) return /^\d+$/.test(raw) ? int64(Number(raw)) : undefined;
  if (info.responseCode === undefined) return undefined;
  // Grpc::Utility::httpToGrpcStatus: anything not in the table (200 included) is Unknown (2).
  return int64(HTTP_TO_GRPC[info.responseCode] ?? 2);
}

function responseMap(s: PropertyScope, info: StreamInfo): CelMap {
  const bytes = (m: HeaderMap | null) => (m === null ? 0 : m.byteSize());
  return wrapper((key) => {
    switch (key) {
      case 'code': return info.responseCode === undefined ? undefined : int64(info.responseCode);
      case 'size': return int64(info.bytesSent);
      case 'headers': return headersMap(s.activeResponseHeaders);
      case 'headers_bytes': return int64(bytes(s.activeResponseHeaders));
      case 'trailers': return headersMap(s.activeResponseTrailers);
      case 'flags': return int64(0);
      case 'grpc_status': return grpcStatus(s, info);
      case 'total_size':
        return int64(info.bytesSent + bytes(s.activeResponseHeaders) + bytes(s.activeResponseTrailers));
      case 'code_details': return info.responseCodeDetails;
      default: return undefined;
    }
  });
}

/** SslExtractorsValues: only consulted when the connection has TLS. */
function sslValue(tls: TlsInfo, key: string): CelValue | undefined {
  const peer = tls.peerCertificate ?? null;
  const local = tls.localCertificate ?? null;
  const first = (list: readonly string[] | undefined) => (list && list.length > 0 ? list[0] : undefined);
  switch (key) {
    case 'tls_version': return tls.version ?? '';
    case 'subject_local_certificate': return local?.subject ?? '';
    case 'subject_peer_certificate': return peer?.subject ?? '';
    case 'uri_san_local_certificate': return first(local?.uriSans);
    case 'uri_san_peer_certificate': return first(peer?.uriSans);
    case 'dns_san_local_certificate': return first(local?.dnsSans);
    case 'dns_san_peer_certificate': return first(peer?.dnsSans);
    case 'sha256_peer_certificate_digest': return peer?.sha256Digest || undefined;
    case 'peer_certificate': return peer === null ? undefined : (peer.urlEncodedPem ?? '');
    default: return undefined;
  }
}

function connectionMap(info: StreamInfo): CelMap {
  const c = info.connection;
  return wrapper((key) => {
    switch (key) {
      case 'mtls': return c.tls != null && c.tls.peerCertificate != null;
      case 'requested_server_name': return c.requestedServerName ?? '';
      case 'id': return uint64(info.connectionId);
      case 'termination_details': return c.terminationDetails;
      case 'transport_failure_reason': return c.transportFailureReason || undefined;
      default: return c.tls != null ? sslValue(c.tls, key) : undefined;
    }
  });
}

function upstreamMap(info: StreamInfo): CelMap {
  return wrapper((key) => {
    if (key === 'request_attempt_count') return uint64(info.input.requestAttemptCount ?? 0);
    const u = info.upstream;
    if (u === undefined) return undefined;
    switch (key) {
      case 'address': return u.address;
      case 'port': {
        const p = u.address === undefined ? undefined : portOf(u.address);
        return p === undefined ? undefined : int64(p);
      }
      case 'local_address': return u.localAddress;
      case 'locality': return nodeMessage({ locality: u.locality ?? {} }).field('locality');
      case 'transport_failure_reason': return u.transportFailureReason ?? '';
      default: return u.tls != null ? sslValue(u.tls, key) : undefined;
    }
  });
}

function peerMap(info: StreamInfo, local: boolean): CelMap {
  const address = local ? info.connection.destination : info.connection.source;
  return wrapper((key) => {
    if (address === undefined) return undefined;
    if (key === 'address') return address;
    if (key === 'port') {
      const p = portOf(address);
      return p === undefined ? undefined : int64(p);
    }
    return undefined;
  });
}

function xdsMap(s: PropertyScope): CelMap {
  const info = s.info;
  const route = info?.input.route;
  return wrapper((key) => {
    if (key === 'node') return s.node === null ? undefined : nodeMessage(s.node);
    if (info === null) return undefined;
    switch (key) {
      case 'cluster_name': return route?.clusterName;
      case 'cluster_metadata':
        return route?.clusterName === undefined ? undefined : metadataMessage(route.clusterMetadata ?? {});
      case 'route_name': return route === undefined ? undefined : (route.routeName ?? '');
      case 'route_metadata': return route === undefined ? undefined : metadataMessage(route.routeMetadata ?? {});
      case 'virtual_host_name': return route?.virtualHostName;
      case 'virtual_host_metadata':
        return route?.virtualHostName === undefined ? undefined : metadataMessage(route.virtualHostMetadata ?? {});
      case 'upstream_host_metadata': {
        const u = info.upstream;
        return u === undefined ? undefined : metadataMessage(u.hostMetadata ?? {});
      }
      case 'filter_chain_name': return route?.filterChainName ?? '';
      case 'listener_metadata': return metadataMessage(route?.listenerMetadata ?? {});
      case 'listener_direction':
        return route?.listenerDirection === undefined ? undefined : int64(route.listenerDirection);
      default: return undefined;
    }
  });
}

function filterStateMap(info: StreamInfo): CelMap {
  return wrapper((key) => info.filterState.get(key));
}

function activation(s: PropertyScope, name: string): CelValue | undefined {
  if (name === 'xds') return xdsMap(s);
  const info = s.info;
  if (info === null) return undefined;
  switch (name) {
    case 'request': return requestMap(s, info);
    case 'response': return responseMap(s, info);
    case 'connection': return connectionMap(info);
    case 'upstream': return upstreamMap(info);
    case 'source': return peerMap(info, false);
    case 'destination': return peerMap(info, true);
    case 'metadata': return metadataMessage(info.input.dynamicMetadata ?? {});
    case 'filter_state': return filterStateMap(info);
    default: return undefined;
  }
}

/** Context::findValue for the first path segment. */
export function findTopLevel(s: PropertyScope, name: string): CelValue | undefined {
  const found = activation(s, name);
  if (found !== undefined) return found;
  switch (name) {
    case 'plugin_name': return s.pluginName ?? undefined;
    case 'plugin_root_id': return s.rootId;
    case 'plugin_vm_id': return s.vmId;
    case 'connection_id': {
      const id = s.info?.connectionId;
      return id === undefined ? undefined : uint64(id);
    }
    default: return s.info?.filterState.get(`wasm.${name}`);
  }
}
