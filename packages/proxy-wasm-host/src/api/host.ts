// WasmHost: loads one module the way Envoy's createWasm does (ABI marker, compile, link, export
// checks, base VM start) and owns what its VMs share: worker VMs, stats, logs, clusters, the
// event loop.

import { Limits, type AbiVersion, type FailState, type LogLevelName } from '../abi/codes.js';
import { WasmBinaryError, capDefinedMemories, findAbiMarker, parseModule, type ImportEntry } from '../loader/binary.js';
import { randomFillSync } from 'node:crypto';
import { systemClock, type Clock, type ForeignFunction, type HostCore, type RandomSource } from '../vm/core.js';
import { Dispatcher } from '../services/dispatcher.js';
import { WasmLoadError } from './errors.js';
import type { HttpCalloutHandler } from '../services/http-call.js';
import { checkImports, planExports } from '../loader/link.js';
import { HostLogger, type LogRecord, type LogSink } from '../services/logger.js';
import { MetricStore, type MetricKind, type MetricSnapshot } from '../services/metrics.js';
import { Plugin, type PluginConfig, type PluginHost } from '../contexts/plugin.js';
import type { NodeInfo } from '../envoy/protobuf.js';
import { SharedDataStore, SharedQueueStore } from '../services/shared-data.js';
import { WasmVm } from '../vm/vm.js';
import { wasmApi, type WasmModule } from '../loader/wasm-api.js';

export interface HostOptions {
  /** VmConfig.vm_id: shared data and queues are scoped by it. */
  readonly vmId?: string;
  /** VmConfig.configuration (the VM_CONFIGURATION buffer). */
  readonly vmConfig?: string | Uint8Array;
  /** Receives every kept log record as it is written. */
  readonly logger?: LogSink;
  /** Envoy's "wasm" logger level (default info); lower plugin logs are dropped. */
  readonly logLevel?: LogLevelName;
  /** How many log records to keep (default 10000). */
  readonly logCapacity?: number;
  /** Worker threads, each with its own VM (default 1). */
  readonly workers?: number;
  /** Run each plugin's configuration on a throwaway canary VM first, as Envoy does (default true). */
  readonly canary?: boolean;
  /**
   * Give the main thread its own VM and root context per plugin (context_create, on_vm_start,
   * on_configure after the canary's, before the workers'; it never serves streams), as Envoy's
   * thread-local slot does: it runs the plugin factory on the main thread as well as on every
   * worker. Default false (one start-up fewer than Envoy; the conformance suite turns it on).
   */
  readonly mainThread?: boolean;
  /** The Envoy node (xds.node.*). */
  readonly node?: NodeInfo;
  /** VmConfig.environment_variables (WASI environ). */
  readonly env?: Readonly<Record<string, string>>;
  /** Default: the system clocks. */
  readonly clock?: Clock;
  /** WASI random_get; default: node:crypto's randomFillSync. */
  readonly random?: RandomSource;
  /**
   * Envoy keeps shared data and queues process-wide: hosts that stand for one Envoy pass the same
   * stores. Default: stores of this host alone.
   */
  readonly sharedData?: SharedDataStore;
  readonly sharedQueues?: SharedQueueStore;
}

function loadError(message: string, state: FailState, follow: string, logger: HostLogger): WasmLoadError {
  logger.host('error', `Wasm VM failed ${message}`);
  logger.host('error', `Wasm VM failed ${follow}`);
  return new WasmLoadError(message, state, [message, follow]);
}

function readAbi(bytes: Uint8Array, logger: HostLogger) {
  let summary;
  try {
    summary = parseModule(bytes);
  } catch (err) {
    if (!(err instanceof WasmBinaryError)) throw err;
    throw loadError('Failed to parse corrupted Wasm module', 'UnableToInitializeCode', 'Failed to load Wasm code', logger);
  }
  const abi = findAbiMarker(summary);
  if (abi === null) {
    throw loadError('Missing or unknown Proxy-Wasm ABI version', 'UnableToInitializeCode', 'Failed to load Wasm code', logger);
  }
  return { summary, abi };
}

async function compile(bytes: Uint8Array, logger: HostLogger): Promise<{ module: WasmModule; delta: number }> {
  try {
    const capped = capDefinedMemories(bytes, Limits.maxMemoryPages);
    if (capped.minPages.some((p) => p > Limits.maxMemoryPages)) throw new Error('initial memory over 1 GiB');
    const module = await wasmApi.compile(capped.bytes);
    return { module, delta: capped.bytes.length - bytes.length };
  } catch (err) {
    logger.host('error', `meshguard wasm-host: compile failed: ${err instanceof Error ? err.message : String(err)}`);
    throw loadError('Failed to load Wasm bytecode', 'UnableToInitializeCode', 'Failed to load Wasm code', logger);
  }
}

function connectionIds(): () => bigint {
  let next = 1n;
  return () => next++;
}

export class WasmHost implements PluginHost {
  readonly workers: number;
  readonly canary: boolean;
  readonly mainThread: boolean;
  private readonly workerVms: WasmVm[] = [];
  private mainThreadVm: WasmVm | undefined;

  private constructor(
    readonly core: HostCore,
    options: HostOptions,
  ) {
    this.workers = options.workers ?? 1;
    this.canary = options.canary ?? true;
    this.mainThread = options.mainThread ?? false;
  }

  /** Loads, links and starts the module; throws WasmLoadError with Envoy's message. */
  static async load(input: Uint8Array | ArrayBuffer, options: HostOptions = {}): Promise<WasmHost> {
    const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
    const logger = new HostLogger(options.logLevel ?? 'info', options.logCapacity ?? 10_000, options.logger);
    const { summary, abi } = readAbi(bytes, logger);
    const { module, delta } = await compile(bytes, logger);
    const linkFailure = checkImports(summary, abi);
    if (linkFailure) throw loadError(linkFailure, 'UnableToInitializeCode', 'Failed to initialize Wasm code', logger);
    const plan = planExports(summary, abi);
    if (plan.failures.length > 0) {
      const state: FailState = plan.malloc === null ? 'MissingFunction' : 'UnableToInitializeCode';
      throw loadError(plan.failures[0]!, state, 'Failed to initialize Wasm code', logger);
    }
    const vmConfig = options.vmConfig ?? '';
    const core: HostCore = {
      module, abi, plan, imports: summary.imports, functionNames: summary.functionNames, codeOffsetDelta: delta,
      vmId: options.vmId ?? '',
      vmConfig: typeof vmConfig === 'string' ? Buffer.from(vmConfig, 'utf8') : vmConfig,
      node: options.node ?? null,
      env: Object.entries(options.env ?? {}),
      logger, metrics: new MetricStore(),
      sharedData: options.sharedData ?? new SharedDataStore(),
      sharedQueues: options.sharedQueues ?? new SharedQueueStore(),
      clusters: new Map(), foreignFunctions: new Map(),
      clock: options.clock ?? systemClock(),
      random: options.random ?? ((target) => randomFillSync(target)),
      nextConnectionId: connectionIds(),
      dispatcher: new Dispatcher(),
    };
    const base = WasmVm.create(core, 'base');
    if (base.failState !== null) {
      logger.host('error', 'Wasm VM failed Failed to initialize Wasm code');
      const messages = [...base.failMessages, 'Failed to initialize Wasm code'];
      throw new WasmLoadError(messages[0]!, base.failState, messages);
    }
    return new WasmHost(core, options);
  }

  get abi(): AbiVersion {
    return this.core.abi;
  }

  /** The module's imports (what the linker checked). */
  get imports(): readonly ImportEntry[] {
    return this.core.imports;
  }

  /** The shared VM of a worker; a failed one is replaced for new plugins, as Envoy evicts it. */
  workerVm(index: number): WasmVm {
    let vm = this.workerVms[index];
    if (vm === undefined || vm.failState !== null) {
      vm = WasmVm.create(this.core, `worker-${index}`);
      this.workerVms[index] = vm;
    }
    return vm;
  }

  /** The main thread's VM (one per host, like a worker's); replaced once failed. */
  mainVm(): WasmVm {
    if (this.mainThreadVm === undefined || this.mainThreadVm.failState !== null) {
      this.mainThreadVm = WasmVm.create(this.core, 'main');
    }
    return this.mainThreadVm;
  }

  /** Configures a plugin; throws PluginConfigError when on_vm_start/on_configure reject it. */
  createPlugin(config: PluginConfig): Plugin {
    return new Plugin(this, config);
  }

  registerCluster(name: string, handler: HttpCalloutHandler): void {
    this.core.clusters.set(name, handler);
  }

  unregisterCluster(name: string): void {
    this.core.clusters.delete(name);
  }

  registerForeignFunction(name: string, fn: ForeignFunction): void {
    this.core.foreignFunctions.set(name, fn);
  }

  /** Runs queued callout responses and queue notifications; returns how many ran. */
  dispatch(): number {
    return this.core.dispatcher.dispatch();
  }

  /** Waits for asynchronous cluster handlers and dispatches until idle. */
  settle(): Promise<void> {
    return this.core.dispatcher.settle();
  }

  logs(): LogRecord[] {
    return this.core.logger.records();
  }

  clearLogs(): void {
    this.core.logger.clear();
  }

  metrics(): MetricSnapshot[] {
    return this.core.metrics.snapshot();
  }

  metric(name: string, kind: MetricKind = 'counter'): bigint | undefined {
    return this.core.metrics.value(name, kind);
  }

  /** Contexts alive in a worker VM (the VM context, root contexts and open streams). */
  liveContexts(worker = 0): number {
    return this.workerVms[worker]?.contexts.size ?? 0;
  }

  /** Current linear memory size of a worker VM, in bytes. */
  memoryBytes(worker = 0): number {
    return this.workerVms[worker]?.memory?.byteLength ?? 0;
  }
}
