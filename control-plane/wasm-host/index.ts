// meshguard's proxy-wasm host: runs proxy-wasm filters (ABI 0.2.1) the way Envoy does, for tests,
// `meshguard replay` and benchmarks. See README "wasm host" for where it differs from Envoy.

export { WasmHost, type HostOptions } from './host.js';
export { Plugin, type PluginConfig, type StreamOptions } from './plugin.js';
export { HttpStream, type HeadersResult, type DataResult, type TrailersResult, type StreamMode } from './http-stream.js';
export { TcpConnection, type NetworkResult } from './network-stream.js';
export {
  FilterChain,
  type ChainRequest,
  type ChainResult,
  type ChainResponse,
  type ForwardedRequest,
  type Upstream,
  type UpstreamResponse,
  type BodyInput,
  type Side,
} from './filter-chain.js';
export { HeaderMap, type HeaderInput } from './headers.js';
export { StreamInfo, type StreamInfoInput, type ConnectionInput, type TlsInfo, type CertificateInfo, type UpstreamInput, type RouteInput } from './stream-info.js';
export type { NodeInfo, MetadataInput } from './protobuf.js';
export { encodeLocalReply, type LocalReply } from './local-reply.js';
export type { HttpCalloutHandler, HttpCalloutRequest, HttpCalloutResponse } from './http-call.js';
export type { MetricSnapshot, MetricKind, HistogramSummary } from './metrics.js';
export type { LogRecord, LogSink } from './logger.js';
export type { Clock, FailurePolicy, ForeignFunction } from './core.js';
export { SharedDataStore, SharedQueueStore } from './shared-data.js';
export { WasmLoadError, PluginConfigError, HostUsageError } from './errors.js';
export { int64, uint64, double, durationNs, timestampNs, timestamp, type PropertyInput } from './properties.js';
export { envoyImportTable } from './link.js';
export * from './abi.js';
