// State shared by every VM of one loaded module (one WasmHost): the compiled module, what the
// linker decided, and the host services (logs, stats, shared data, clusters, the event loop).

import type { AbiVersion } from '../abi/codes.js';
import type { ImportEntry } from '../loader/binary.js';
import type { Dispatcher } from '../services/dispatcher.js';
import type { HttpCalloutHandler } from '../services/http-call.js';
import type { ExportPlan } from '../loader/link.js';
import type { HostLogger } from '../services/logger.js';
import type { MetricStore } from '../services/metrics.js';
import type { NodeInfo } from '../envoy/protobuf.js';
import type { SharedDataStore, SharedQueueStore } from '../services/shared-data.js';
import type { WasmModule } from '../loader/wasm-api.js';

export interface Clock {
  /** Wall clock, Unix nanoseconds (proxy_get_current_time_nanoseconds, WASI realtime). */
  realtimeNs(): bigint;
  /** WASI monotonic clock, nanoseconds. */
  monotonicNs(): bigint;
}

/** The system clocks. Wall-clock time is a fixed epoch offset plus the monotonic clock: one bigint add per read. */
export function systemClock(): Clock {
  const hrtimeAtStart = process.hrtime.bigint();
  const epochNsAtStart = BigInt(Date.now()) * 1_000_000n;
  return {
    realtimeNs: () => epochNsAtStart + (process.hrtime.bigint() - hrtimeAtStart),
    monotonicNs: () => process.hrtime.bigint(),
  };
}

/** Fills `target` with random bytes (WASI random_get). */
export type RandomSource = (target: Uint8Array) => void;

export type FailurePolicy = 'FAIL_CLOSED' | 'FAIL_OPEN' | 'FAIL_RELOAD';

/** One configured use of the module (Envoy's PluginBase). */
export interface PluginState {
  readonly name: string;
  readonly rootId: string;
  readonly configuration: Uint8Array;
  readonly failurePolicy: FailurePolicy;
  readonly allowOnHeadersStopIteration: boolean;
  /** " <name> <root_id> <vm_id>", each part only when non-empty (PluginBase::makeLogPrefix). */
  readonly logPrefix: string;
}

/** A foreign function callable with proxy_call_foreign_function. */
export type ForeignFunction = (args: Uint8Array) => Uint8Array;

export interface HostCore {
  readonly module: WasmModule;
  readonly abi: AbiVersion;
  readonly plan: ExportPlan;
  readonly imports: readonly ImportEntry[];
  readonly functionNames: ReadonlyMap<number, string>;
  /** Bytes the memory cap rewrite added before the code section (backtrace offsets). */
  readonly codeOffsetDelta: number;
  readonly vmId: string;
  readonly vmConfig: Uint8Array;
  readonly node: NodeInfo | null;
  readonly env: readonly (readonly [string, string])[];
  readonly logger: HostLogger;
  readonly metrics: MetricStore;
  readonly sharedData: SharedDataStore;
  readonly sharedQueues: SharedQueueStore;
  readonly clusters: Map<string, HttpCalloutHandler>;
  readonly foreignFunctions: Map<string, ForeignFunction>;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** Envoy numbers every connection; streams that do not name one get the next id of their host. */
  nextConnectionId(): bigint;
  readonly dispatcher: Dispatcher;
}
