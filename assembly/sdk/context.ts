// Context base classes. A filter extends these and overrides only the hooks it needs; every
// hook defaults to a no-op / Continue. The dispatcher maps the host's context ids onto them.
import { DataStatus, FilterStatus, HeadersStatus, PeerType, TrailersStatus } from "./types";

export abstract class Context {
  constructor(public readonly id: u32) {}

  /** Access-log phase. HTTP: before onDone. TCP: after onDone (Envoy's order). */
  onLog(): void {}

  /** True lets the host finalize the context now; false means the filter calls done() later. */
  onDone(): bool {
    return true;
  }

  onDelete(): void {}

  /**
   * Response to an httpCall() made by this context. Envoy delivers it on the root context; the
   * dispatcher sets the effective context back to the caller before calling this.
   * `numHeaders == 0` means the call failed (getStatus() tells why).
   */
  onHttpCallResponse(callId: u32, numHeaders: u32, bodySize: u32, numTrailers: u32): void {}
}

/** One per plugin configuration (root_id) in the VM: holds configuration and shared state. */
export class RootContext extends Context {
  /** Called once per root context (Envoy passes the root id, not 0). */
  onVmStart(vmConfigurationSize: u32): bool {
    return true;
  }

  /** False rejects the configuration (Envoy rejects the xDS update or fails start-up). */
  onConfigure(pluginConfigurationSize: u32): bool {
    return true;
  }

  onTick(): void {}

  onQueueReady(queueId: u32): void {}

  /** The context of a new HTTP stream, or null when this root handles TCP streams. */
  newHttpContext(contextId: u32): HttpContext | null {
    return null;
  }

  /** The context of a new TCP connection, or null when this root handles HTTP streams. */
  newStreamContext(contextId: u32): StreamContext | null {
    return null;
  }
}

/** An HTTP request/response pair. */
export class HttpContext extends Context {
  constructor(id: u32, public readonly root: RootContext) {
    super(id);
  }

  onRequestHeaders(numHeaders: u32, endOfStream: bool): HeadersStatus {
    return HeadersStatus.Continue;
  }

  onRequestBody(bodySize: u32, endOfStream: bool): DataStatus {
    return DataStatus.Continue;
  }

  onRequestTrailers(numTrailers: u32): TrailersStatus {
    return TrailersStatus.Continue;
  }

  onResponseHeaders(numHeaders: u32, endOfStream: bool): HeadersStatus {
    return HeadersStatus.Continue;
  }

  onResponseBody(bodySize: u32, endOfStream: bool): DataStatus {
    return DataStatus.Continue;
  }

  onResponseTrailers(numTrailers: u32): TrailersStatus {
    return TrailersStatus.Continue;
  }
}

/** A TCP connection (network filter). */
export class StreamContext extends Context {
  constructor(id: u32, public readonly root: RootContext) {
    super(id);
  }

  onNewConnection(): FilterStatus {
    return FilterStatus.Continue;
  }

  onDownstreamData(dataSize: u32, endOfStream: bool): FilterStatus {
    return FilterStatus.Continue;
  }

  onDownstreamConnectionClose(peer: PeerType): void {}

  onUpstreamData(dataSize: u32, endOfStream: bool): FilterStatus {
    return FilterStatus.Continue;
  }

  onUpstreamConnectionClose(peer: PeerType): void {}
}
