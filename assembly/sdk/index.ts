// The SDK surface filters use. Filters never import ./abi directly.
export { ByteBuf, bytesEqual } from "./bytes";
export {
  BufferType, DataStatus, FilterStatus, GRPC_STATUS_NONE, HeadersStatus, LogLevel, MapType, MetricType, PeerType,
  Status, StreamType, TrailersStatus,
} from "./types";
export { Context, HttpContext, RootContext, StreamContext } from "./context";
export { registerRootContext, RootFactory } from "./dispatcher";
export {
  addHeader, getHeader, getHeaderMapSize, getHeaderPairs, getRequestHeader, getResponseHeader, removeHeader,
  removeHeaderRaw, replaceHeader, replaceRequestHeader, replaceResponseHeader, setHeaderPairs,
} from "./headers";
export { PairsReader, PairsWriter } from "./pairs";
export {
  getProperty, getPropertyBool, getPropertyInt, getPropertyString, PropertyPath, setProperty,
} from "./properties";
export { sendLocalResponse } from "./local_reply";
export { Counter, Gauge, Histogram, Metric } from "./metrics";
export { hostLogLevel, log, logBytes, logCritical, logDebug, logEnabled, logError, logInfo, logTrace, logWarn } from "./log";
export {
  dequeueSharedQueue, enqueueSharedQueue, getSharedData, registerSharedQueue, resolveSharedQueue, setSharedData,
  sharedDataCas,
} from "./shared_data";
export { currentTimeNanos, setTickPeriod } from "./timers";
export { getHttpCallResponseBody, getHttpCallResponseHeaders, httpCall } from "./http_call";
export { getBufferBytes, pluginConfiguration, setBufferBytes, vmConfiguration } from "./buffers";
export { closeStream, continueStream, done, getStatus } from "./stream";
