// Options of `meshguard serve`, as the CLI parses them.

import type { TlsFiles } from '../grpc/server.js';
import type { NodeInfo, Snapshot } from '../xds/contracts.js';

export type { TlsFiles };

export interface ServeOptions {
  readonly policyFile: string;
  /** Where the ext_authz and xDS ports listen. */
  readonly bind: string;
  /** Where the admin port listens; absent: 127.0.0.1 (it serves /metrics, /status and the live view). */
  readonly adminBind?: string;
  /** The bearer token admin mutations need; absent or null: mutations are off. */
  readonly adminToken?: string | null;
  readonly authzPort: number;
  readonly adminPort: number;
  /** null (`--xds-port none`): no xDS server, and its modules and protos are never loaded. */
  readonly xdsPort: number | null;
  /** redis://, rediss://, redis+sentinel:// or redis+cluster:// (state/redis-url.ts); null: no Redis. */
  readonly redisUrl: string | null;
  /** The prefix of every Redis key and channel (`--redis-prefix`); absent: `mg:`, the historical names. */
  readonly redisPrefix?: string;
  readonly tls: TlsFiles | null;
  readonly allowLogSample: number;
  readonly xds: XdsServeOptions;
}

/** Settings of the xDS component that have no flag (the CLI reads them from the environment). */
export interface XdsServeOptions {
  /** host:port sidecars use for ext_authz (MESHGUARD_AUTHZ_ADDRESS); null: the bind address and --authz-port. */
  readonly authzAddress: string | null;
  /** Serve the wasm modules as remote code from this base URL, with their sha256 (MESHGUARD_WASM_BASE_URL). */
  readonly wasmBaseUrl: string | null;
  /** Where the built wasm modules are (MESHGUARD_WASM_BUILD_DIR); null: the package's build/wasm. */
  readonly wasmBuildDir: string | null;
  /** How long a burst of policy edits is collected into one push (MESHGUARD_XDS_DEBOUNCE_MS); null: the default. */
  readonly debounceMs: number | null;
  /**
   * Tests only: rewrites every snapshot before it is served, so that a test can make a real Envoy
   * reject a resource (test/envoy/xds-nack.test.ts). No flag or environment variable sets it; the
   * CLI never does.
   */
  readonly rewriteSnapshotForTests?: (snapshot: Snapshot, node: NodeInfo) => Snapshot;
}
