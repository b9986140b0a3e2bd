// What Envoy's StreamInfo knows about a request or connection, as the embedder describes it.
// Properties are derived from this the way Envoy derives them (connection.mtls from the peer
// certificate, source.port from the address, ...), so tests cannot hand a filter values Envoy
// would never produce.

import type { MetadataInput, NodeInfo } from './protobuf.js';
import type { CelValue, PropertyInput } from './properties.js';

export interface CertificateInfo {
  readonly uriSans?: readonly string[];
  readonly dnsSans?: readonly string[];
  readonly subject?: string;
  readonly sha256Digest?: string;
  /** connection.peer_certificate: URL-encoded PEM. */
  readonly urlEncodedPem?: string;
}

export interface TlsInfo {
  /** e.g. "TLSv1.3" */
  readonly version?: string;
  /** The certificate the peer presented; absent/null = none (connection.mtls is then false). */
  readonly peerCertificate?: CertificateInfo | null;
  readonly localCertificate?: CertificateInfo | null;
}

export interface ConnectionInput {
  readonly id?: number | bigint;
  /** Downstream remote address, "ip:port" or "[ipv6]:port" (source.address). */
  readonly source?: string;
  /** Downstream local address (destination.address). */
  readonly destination?: string;
  /** SNI; absent means none (connection.requested_server_name is then ""). */
  readonly requestedServerName?: string;
  /** Downstream TLS; absent/null = plaintext. */
  readonly tls?: TlsInfo | null;
  readonly terminationDetails?: string;
  readonly transportFailureReason?: string;
}

export interface UpstreamInput {
  readonly address?: string;
  readonly localAddress?: string;
  readonly tls?: TlsInfo | null;
  readonly transportFailureReason?: string;
  readonly locality?: { readonly region?: string; readonly zone?: string; readonly subZone?: string };
  readonly hostMetadata?: MetadataInput;
}

export interface RouteInput {
  readonly clusterName?: string;
  readonly clusterMetadata?: MetadataInput;
  readonly routeName?: string;
  readonly routeMetadata?: MetadataInput;
  readonly virtualHostName?: string;
  readonly virtualHostMetadata?: MetadataInput;
  readonly filterChainName?: string;
  readonly listenerMetadata?: MetadataInput;
  /** envoy.config.core.v3.TrafficDirection: 0 unspecified, 1 inbound, 2 outbound. */
  readonly listenerDirection?: number;
}

export interface StreamInfoInput {
  readonly connection?: ConnectionInput;
  /** "HTTP/1.0" | "HTTP/1.1" | "HTTP/2" | "HTTP/3" (request.protocol). */
  readonly protocol?: string;
  readonly route?: RouteInput;
  /** Visible to properties only once the upstream is established (the response phase). */
  readonly upstream?: UpstreamInput;
  readonly requestAttemptCount?: number;
  /** Dynamic metadata: metadata.filter_metadata.<namespace>.<key>. */
  readonly dynamicMetadata?: MetadataInput;
  /** Filter state objects set by other (non-wasm) filters, readable as filter_state.<name>. */
  readonly filterState?: Readonly<Record<string, PropertyInput>>;
  readonly startTime?: Date;
}

/** Per-stream (or per-connection) state shared by every filter of one chain. */
export class StreamInfo {
  /** Filter state; proxy_set_property writes raw bytes under "wasm.<path>". */
  readonly filterState = new Map<string, CelValue>();
  responseCode: number | undefined;
  responseCodeDetails: string | undefined;
  bytesReceived = 0;
  bytesSent = 0;
  upstreamEstablished = false;
  requestCompleteNs: bigint | undefined;
  readonly startNs: bigint;
  readonly connectionId: bigint;

  constructor(
    readonly input: StreamInfoInput,
    nowNs: bigint,
    readonly node: NodeInfo | null,
    nextConnectionId: () => bigint,
  ) {
    this.startNs = input.startTime ? BigInt(input.startTime.getTime()) * 1_000_000n : nowNs;
    const id = input.connection?.id;
    this.connectionId = id === undefined ? nextConnectionId() : BigInt(id);
  }

  get connection(): ConnectionInput {
    return this.input.connection ?? {};
  }

  get upstream(): UpstreamInput | undefined {
    return this.upstreamEstablished ? this.input.upstream : undefined;
  }

}

/** The port of "ip:port" / "[ip]:port", as Address::Ip::port() would give it. */
export function portOf(address: string): number | undefined {
  const m = /:(\d{1,5})$/.exec(address);
  if (!m) return undefined;
  if (!address.startsWith('[') && address.indexOf(':') !== address.lastIndexOf(':')) return undefined;
  return Number(m[1]);
}
