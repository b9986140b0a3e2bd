// The numbers of the Proxy-Wasm ABI (spec v0.2.1, proxy-wasm-cpp-sdk proxy_wasm_common.h /
// proxy_wasm_enums.h) and of Envoy's filter statuses. Values are fixed by the ABI: do not renumber.

export type AbiVersion = '0.1.0' | '0.2.0' | '0.2.1';

export enum WasmResult {
  Ok = 0,
  NotFound = 1,
  BadArgument = 2,
  SerializationFailure = 3,
  ParseFailure = 4,
  BadExpression = 5,
  InvalidMemoryAccess = 6,
  Empty = 7,
  CasMismatch = 8,
  ResultMismatch = 9,
  InternalFailure = 10,
  BrokenConnection = 11,
  Unimplemented = 12,
}

export enum LogLevel {
  Trace = 0,
  Debug = 1,
  Info = 2,
  Warn = 3,
  Error = 4,
  Critical = 5,
}

export const LOG_LEVEL_NAMES = ['trace', 'debug', 'info', 'warn', 'error', 'critical'] as const;
export type LogLevelName = (typeof LOG_LEVEL_NAMES)[number];

export enum HeaderMapType {
  RequestHeaders = 0,
  RequestTrailers = 1,
  ResponseHeaders = 2,
  ResponseTrailers = 3,
  GrpcReceiveInitialMetadata = 4,
  GrpcReceiveTrailingMetadata = 5,
  HttpCallResponseHeaders = 6,
  HttpCallResponseTrailers = 7,
}
export const HEADER_MAP_TYPE_MAX = 7;

export enum BufferType {
  HttpRequestBody = 0,
  HttpResponseBody = 1,
  NetworkDownstreamData = 2,
  NetworkUpstreamData = 3,
  HttpCallResponseBody = 4,
  GrpcReceiveBuffer = 5,
  VmConfiguration = 6,
  PluginConfiguration = 7,
  CallData = 8,
}
export const BUFFER_TYPE_MAX = 8;

export enum StreamType {
  Request = 0,
  Response = 1,
  Downstream = 2,
  Upstream = 3,
}
export const STREAM_TYPE_MAX = 3;

export enum MetricType {
  Counter = 0,
  Gauge = 1,
  Histogram = 2,
}
export const METRIC_TYPE_MAX = 2;

export enum PeerType {
  Unknown = 0,
  Local = 1,
  Remote = 2,
}

/** Envoy's Http::FilterHeadersStatus after proxy-wasm's conversion. */
export type FilterHeadersStatus =
  | 'Continue'
  | 'StopIteration'
  | 'StopAllIterationAndBuffer'
  | 'StopAllIterationAndWatermark';

/** Envoy's Http::FilterDataStatus. */
export type FilterDataStatus =
  | 'Continue'
  | 'StopIterationAndBuffer'
  | 'StopIterationAndWatermark'
  | 'StopIterationNoBuffer';

export type FilterTrailersStatus = 'Continue' | 'StopIteration';

/** Envoy's Network::FilterStatus. */
export type FilterStatus = 'Continue' | 'StopIteration';

/** proxy-wasm-cpp-host FailState. */
export type FailState =
  | 'UnableToCreateVm'
  | 'UnableToCloneVm'
  | 'MissingFunction'
  | 'UnableToInitializeCode'
  | 'StartFailed'
  | 'ConfigureFailed'
  | 'RuntimeError';

export const GRPC_STATUS_MAX = 16;
export const GRPC_UNAVAILABLE = 14;

export const WasiErrno = {
  Success: 0,
  BadF: 8,
  Fault: 21,
  Inval: 28,
  NotDir: 20,
  NoEnt: 44,
  NoSys: 52,
  NotSup: 58,
} as const;

/** proxy-wasm-cpp-host include/proxy-wasm/limits.h */
export const Limits = {
  wasmPageBytes: 64 * 1024,
  maxMemoryBytes: 1024 * 1024 * 1024,
  maxMemoryPages: (1024 * 1024 * 1024) / (64 * 1024),
  randomGetMaxBytes: 64 * 1024,
  pairsMaxBytes: 1024 * 1024,
  pairsMaxCount: 1024,
  backtraceFrames: 20,
} as const;

/** Callout ids: http ≡0, grpc call ≡1, grpc stream ≡2 (mod 4), each starting at type+4. */
export const CALLOUT_INCREMENT = 4;
export const METRIC_ID_INCREMENT = 4;
export const METRIC_TYPE_MASK = 3;
