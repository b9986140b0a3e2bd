// meshguard's proxy-wasm host: runs proxy-wasm filters (ABI 0.2.1) the way Envoy does, for tests,
// `meshguard replay` and benchmarks. See docs/development.md "The proxy-wasm host, and where it differs from Envoy" for where it differs from Envoy.

export { WasmHost, type HostOptions } from './api/host.js';
export { Plugin, type PluginConfig, type StreamOptions } from './contexts/plugin.js';
export { HttpStream, type HeadersResult, type DataResult, type TrailersResult, type StreamMode } from './contexts/http-stream.js';
export { TcpConnection, type NetworkResult } from './contexts/network-stream.js';
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
} from './envoy/filter-chain.js';
export { HeaderMap, type HeaderInput } from './envoy/headers.js';
export { StreamInfo, type StreamInfoInput, type ConnectionInput, type TlsInfo, type CertificateInfo, type UpstreamInput, type RouteInput } from './envoy/stream-info.js';
export type { NodeInfo, MetadataInput } from './envoy/protobuf.js';
export { encodeLocalReply, type LocalReply } from './envoy/local-reply.js';
export type { HttpCalloutHandler, HttpCalloutRequest, HttpCalloutResponse } from './services/http-call.js';
export type { MetricSnapshot, MetricKind, HistogramSummary } from './services/metrics.js';
export type { LogRecord, LogSink } from './services/logger.js';
export { systemClock, type Clock, type FailurePolicy, type ForeignFunction, type RandomSource } from './vm/core.js';
export { SharedDataStore, SharedQueueStore } from './services/shared-data.js';
export { WasmLoadError, PluginConfigError, HostUsageError } from './api/errors.js';
export { int64, uint64, double, durationNs, timestampNs, timestamp, type PropertyInput } from './envoy/properties.js';
export { envoyImportTable } from './loader/link.js';
export * from './abi/codes.js';
