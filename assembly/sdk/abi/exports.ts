// The module's exports for proxy-wasm ABI v0.2.1. Each is one line into the dispatcher.
// A filter's entry file re-exports this module (through ../exports.ts): AssemblyScript exports
// only what the entry file exports. Signatures are what Envoy checks at load time; booleans and
// enums cross as i32.
import "./abort";
import * as dispatch from "../dispatcher";
import { hostAlloc } from "./memory";

/** The ABI marker: Envoy looks for this function export by name and never calls it. */
export function proxy_abi_version_0_2_1(): void {}

/** Envoy looks up `malloc` first, then `proxy_on_memory_allocate`; both allocate for the host. */
export function malloc(size: usize): usize { return hostAlloc(size); }
export function proxy_on_memory_allocate(size: usize): usize { return hostAlloc(size); }

export function proxy_on_context_create(contextId: u32, parentContextId: u32): void { dispatch.onContextCreate(contextId, parentContextId); }
export function proxy_on_vm_start(rootContextId: u32, vmConfigurationSize: u32): bool { return dispatch.onVmStart(rootContextId, vmConfigurationSize); }
export function proxy_on_configure(rootContextId: u32, pluginConfigurationSize: u32): bool { return dispatch.onConfigure(rootContextId, pluginConfigurationSize); }
export function proxy_on_tick(rootContextId: u32): void { dispatch.onTick(rootContextId); }
export function proxy_on_queue_ready(rootContextId: u32, queueId: u32): void { dispatch.onQueueReady(rootContextId, queueId); }
export function proxy_on_done(contextId: u32): bool { return dispatch.onDone(contextId); }
export function proxy_on_log(contextId: u32): void { dispatch.onLog(contextId); }
export function proxy_on_delete(contextId: u32): void { dispatch.onDelete(contextId); }

export function proxy_on_http_call_response(rootContextId: u32, callId: u32, numHeaders: u32, bodySize: u32, numTrailers: u32): void { dispatch.onHttpCallResponse(rootContextId, callId, numHeaders, bodySize, numTrailers); }

export function proxy_on_request_headers(contextId: u32, numHeaders: u32, endOfStream: u32): i32 { return dispatch.onRequestHeaders(contextId, numHeaders, endOfStream != 0); }
export function proxy_on_request_body(contextId: u32, bodySize: u32, endOfStream: u32): i32 { return dispatch.onRequestBody(contextId, bodySize, endOfStream != 0); }
export function proxy_on_request_trailers(contextId: u32, numTrailers: u32): i32 { return dispatch.onRequestTrailers(contextId, numTrailers); }
export function proxy_on_response_headers(contextId: u32, numHeaders: u32, endOfStream: u32): i32 { return dispatch.onResponseHeaders(contextId, numHeaders, endOfStream != 0); }
export function proxy_on_response_body(contextId: u32, bodySize: u32, endOfStream: u32): i32 { return dispatch.onResponseBody(contextId, bodySize, endOfStream != 0); }
export function proxy_on_response_trailers(contextId: u32, numTrailers: u32): i32 { return dispatch.onResponseTrailers(contextId, numTrailers); }

export function proxy_on_new_connection(contextId: u32): i32 { return dispatch.onNewConnection(contextId); }
export function proxy_on_downstream_data(contextId: u32, dataSize: u32, endOfStream: u32): i32 { return dispatch.onDownstreamData(contextId, dataSize, endOfStream != 0); }
export function proxy_on_downstream_connection_close(contextId: u32, peerType: u32): void { dispatch.onDownstreamConnectionClose(contextId, peerType); }
export function proxy_on_upstream_data(contextId: u32, dataSize: u32, endOfStream: u32): i32 { return dispatch.onUpstreamData(contextId, dataSize, endOfStream != 0); }
export function proxy_on_upstream_connection_close(contextId: u32, peerType: u32): void { dispatch.onUpstreamConnectionClose(contextId, peerType); }
