// Contracts of the xDS control plane (interfaces only). The stream servers (sotw.ts, delta.ts)
// depend on `ConfigWatcher` and report to `StreamCallbacks`; the cache and the status registry
// implement them.

/** One encoded resource, as it goes into `Any {type_url, value}` or a delta `Resource`. */
export interface XdsResource {
  readonly name: string;
  readonly typeUrl: string;
  /** Content hash of `value`: the delta protocol's per-resource version. */
  readonly version: string;
  readonly value: Uint8Array;
}

/** What meshguard reads from a `Node` (first request of a stream). See node.ts for the keys. */
export interface NodeInfo {
  readonly id: string;
  readonly cluster: string;
  readonly userAgent: string;
  /** `<namespace>/<name>` from `meshguard.io/workload`. */
  readonly workload: string;
  /** A gRPC client or server, else an Envoy sidecar (node.ts `nodeKind`). */
  readonly proxyless: boolean;
  /** What told the kind: the `meshguard.io/proxyless` override, the user agent, the names asked for, or the default. */
  readonly kindBy: 'metadata' | 'user agent' | 'resource names' | 'default';
  /** String-valued node metadata (sidecar settings such as `meshguard.io/wasm-dir`). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Nodes with equal keys are served the same snapshot. */
  readonly snapshotKey: string;
}

/**
 * An immutable, versioned view of every resource one node may be served. Resources are looked up
 * by name (named subscriptions) or listed per type (wildcard subscriptions).
 */
export interface Snapshot {
  /** Changes whenever any resource of any type changes. */
  readonly version: string;
  readonly policyVersion: string;
  /** When the policy change that produced this snapshot was seen (ms since the epoch); null for the first. */
  readonly editAt: number | null;
  /** A content hash of every listable resource of the type. */
  typeVersion(typeUrl: string): string;
  get(typeUrl: string, name: string): XdsResource | undefined;
  /** The resources a wildcard subscription receives. */
  list(typeUrl: string): Iterable<XdsResource>;
  /** True when `name` is one of `list(typeUrl)` (false for resources built on demand by name). */
  listed(typeUrl: string, name: string): boolean;
  /** Broken references (an EDS cluster without endpoints, a listener's RDS or ECDS name without a resource...). */
  consistent(): string[];
}

export interface Watch {
  readonly snapshot: Snapshot;
  cancel(): void;
}

/** The only thing the stream servers know about where resources come from. */
export interface ConfigWatcher {
  /**
   * Starts serving a node: returns its current snapshot and calls `onSnapshot` with every newer
   * one until `cancel()`. The watcher drops a node's state when its last watch is cancelled.
   */
  watch(node: NodeInfo, onSnapshot: (snapshot: Snapshot) => void): Watch;
}

export interface StreamInfo {
  readonly id: number;
  readonly node: NodeInfo;
  readonly delta: boolean;
  /** The SPIFFE ID of the peer certificate (mTLS), or null on a plaintext port. */
  readonly peerIdentity: string | null;
  readonly openedAt: number;
}

/** Observes streams (status page, metrics, logs); never changes what is sent. */
export interface StreamCallbacks {
  onStreamOpen(stream: StreamInfo): void;
  onResponse(stream: StreamInfo, typeUrl: string, version: string, nonce: string, resources: number, removed: number): void;
  /** `latencySeconds`: from the policy edit that caused the response to this ACK; null when not caused by an edit. */
  onAck(stream: StreamInfo, typeUrl: string, version: string, latencySeconds: number | null): void;
  onNack(stream: StreamInfo, typeUrl: string, rejectedVersion: string, error: string): void;
  onStaleNonce(stream: StreamInfo, typeUrl: string, nonce: string): void;
  onStreamClosed(stream: StreamInfo, reason: string | null): void;
  /** A stream refused before or after it opened (malformed node, identity mismatch). */
  onRefused(node: NodeInfo | null, peerIdentity: string | null, reason: string): void;
}
