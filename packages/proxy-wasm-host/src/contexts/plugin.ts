// A configured plugin (Envoy's PluginConfig + the thread-local plugin handles): a canary VM checks
// the configuration, then every worker VM gets a root context (context_create → on_vm_start →
// on_configure). Streams are created the way Envoy's FilterConfig::createFilter does, including
// the failure policy when the worker's VM has failed.

import type { RootContext } from './context.js';
import type { FailState } from '../abi/codes.js';
import type { FailurePolicy, HostCore, PluginState } from '../vm/core.js';
import { HostUsageError, PluginConfigError } from '../api/errors.js';
import { HttpStream } from './http-stream.js';
import type { MetricSnapshot } from '../services/metrics.js';
import { TcpConnection } from './network-stream.js';
import { StreamInfo, type StreamInfoInput } from '../envoy/stream-info.js';
import { WasmVm } from '../vm/vm.js';

export interface PluginConfig {
  /** PluginConfig.name (Istio: "<namespace>.<WasmPlugin name>"). */
  readonly name: string;
  /** PluginConfig.root_id (Istio: pluginName). */
  readonly rootId?: string;
  /** What the plugin reads from the PLUGIN_CONFIGURATION buffer. */
  readonly configuration?: string | Uint8Array;
  /** Default FAIL_CLOSED, as Envoy's UNSPECIFIED. */
  readonly failurePolicy?: FailurePolicy;
  readonly allowOnHeadersStopIteration?: boolean;
}

export interface StreamOptions {
  /** A StreamInfo to share between the filters of one chain, or a description of the stream. */
  readonly info?: StreamInfo | StreamInfoInput;
  /** Which worker VM serves the stream (default 0). */
  readonly worker?: number;
}

/** What a plugin needs from its host. */
export interface PluginHost {
  readonly core: HostCore;
  readonly workers: number;
  readonly canary: boolean;
  readonly mainThread: boolean;
  workerVm(index: number): WasmVm;
  mainVm(): WasmVm;
}

interface Worker {
  vm: WasmVm;
  root: RootContext | null;
}

function logPrefix(name: string, rootId: string, vmId: string): string {
  return [name, rootId, vmId].filter((p) => p !== '').map((p) => ` ${p}`).join('');
}

export class Plugin {
  readonly state: PluginState;
  private readonly workerSlots: Worker[] = [];
  /** The main thread's plugin handle (HostOptions.mainThread), never used for streams. */
  private mainSlot: Worker | null = null;

  constructor(
    private readonly host: PluginHost,
    config: PluginConfig,
  ) {
    const rootId = config.rootId ?? '';
    const configuration = config.configuration ?? '';
    this.state = {
      name: config.name,
      rootId,
      configuration: typeof configuration === 'string' ? Buffer.from(configuration, 'utf8') : configuration,
      failurePolicy: config.failurePolicy ?? 'FAIL_CLOSED',
      allowOnHeadersStopIteration: config.allowOnHeadersStopIteration ?? false,
      logPrefix: logPrefix(config.name, rootId, host.core.vmId),
    };
    if (host.canary) this.runCanary();
    // ThreadLocal::Slot::set runs the factory on the main thread first, then posts it to workers.
    if (host.mainThread) this.mainSlot = this.start(host.mainVm());
    for (let i = 0; i < host.workers; i++) this.attach(i);
  }

  /**
   * A configuration the canary refused, as Envoy 1.40 reports it: the VM failure, "Plugin <name>
   * failed to load", the thread-local slot's critical line unless the plugin fails open, then
   * the filter factory's "Unable to create Wasm plugin <name>" (the listener is rejected).
   */
  private reject(vm: WasmVm, state: FailState, reason: string): never {
    const name = this.state.name;
    const message = `Unable to create Wasm plugin ${name}`;
    vm.fail(state, reason);
    const lines = [`Plugin ${name} failed to load`];
    if (this.state.failurePolicy !== 'FAIL_OPEN') lines.push('Plugin configured to fail closed failed to load');
    for (const line of lines) this.host.core.logger.host('critical', line);
    this.host.core.logger.host('error', message);
    throw new PluginConfigError(`${message}: ${reason}`, state, name, [...vm.failMessages.map((m) => `Wasm VM failed ${m}`), ...lines, message]);
  }

  /** WasmHandleBase::canary: a throwaway VM must start and accept the configuration. */
  private runCanary(): void {
    const vm = WasmVm.create(this.host.core, 'canary');
    if (vm.failState !== null) this.reject(vm, 'UnableToInitializeCode', 'Failed to initialize Wasm code');
    const root = vm.startPlugin(this.state);
    if (root === null) this.reject(vm, 'StartFailed', 'Failed to start base Wasm');
    if (!root.onConfigure(this.state)) this.reject(vm, 'ConfigureFailed', 'Failed to configure base Wasm plugin');
  }

  /** getOrCreateThreadLocalPlugin for one worker. */
  private attach(index: number): void {
    this.workerSlots[index] = this.start(this.host.workerVm(index));
  }

  /** getOrCreateThreadLocalPlugin on one thread's VM. */
  private start(vm: WasmVm): Worker {
    let root: RootContext | null = null;
    if (vm.failState === null) {
      root = vm.startPlugin(this.state);
      if (root === null) vm.core.logger.host('error', 'Wasm VM failed Failed to start thread-local Wasm');
      else if (!root.onConfigure(this.state)) {
        vm.core.logger.host('error', 'Wasm VM failed Failed to configure thread-local Wasm plugin');
        root = null;
      }
    }
    return { vm, root };
  }

  private worker(index: number): Worker {
    const w = this.workerSlots[index];
    if (!w) throw new HostUsageError(`no worker ${index} (the host has ${this.host.workers})`);
    if (w.vm.failState !== null && this.state.failurePolicy === 'FAIL_RELOAD') {
      this.attach(index);
      return this.workerSlots[index]!;
    }
    return w;
  }

  private streamInfo(opts: StreamOptions): StreamInfo {
    if (opts.info instanceof StreamInfo) return opts.info;
    return new StreamInfo(opts.info ?? {}, this.host.core.clock.realtimeNs(), this.host.core.node, this.host.core.nextConnectionId);
  }

  /** Envoy's FilterConfig::createFilter for HTTP. */
  newHttpStream(opts: StreamOptions = {}): HttpStream {
    const w = this.worker(opts.worker ?? 0);
    const info = this.streamInfo(opts);
    if (w.root !== null && w.vm.failState === null) return new HttpStream(w.vm, w.root, this.state, info, 'active');
    const mode = this.state.failurePolicy === 'FAIL_OPEN' ? 'skipped' : 'failed';
    return new HttpStream(w.vm, null, this.state, info, mode);
  }

  /** The network-filter equivalent. */
  newTcpConnection(opts: StreamOptions = {}): TcpConnection {
    const w = this.worker(opts.worker ?? 0);
    const info = this.streamInfo(opts);
    if (w.root !== null && w.vm.failState === null) return new TcpConnection(w.vm, w.root, this.state, info, 'active');
    const mode = this.state.failurePolicy === 'FAIL_OPEN' ? 'skipped' : 'failed';
    return new TcpConnection(w.vm, null, this.state, info, mode);
  }

  /** Fires proxy_on_tick on every worker root context whose tick period is set. */
  tick(): number {
    let fired = 0;
    for (const w of this.workerSlots) {
      if (w.root === null || w.vm.failState !== null) continue;
      if ((w.vm.tickPeriods.get(w.root.id) ?? 0) === 0) continue;
      w.root.onTick();
      fired++;
    }
    return fired;
  }

  tickPeriodMs(worker = 0): number {
    const w = this.worker(worker);
    return w.root === null ? 0 : (w.vm.tickPeriods.get(w.root.id) ?? 0);
  }

  rootContextId(worker = 0): number | null {
    return this.workerSlots[worker]?.root?.id ?? null;
  }

  /** True when this worker's VM has failed (a trap, or start/configure failure). */
  failed(worker = 0): boolean {
    const w = this.workerSlots[worker];
    return w === undefined || w.root === null || w.vm.failState !== null;
  }

  get core(): HostCore {
    return this.host.core;
  }

  metrics(): MetricSnapshot[] {
    return this.host.core.metrics.snapshot();
  }

  /** WasmBase::startShutdown(plugin): on_done, then on_delete unless on_done returned false. */
  close(): void {
    for (const w of this.mainSlot ? [this.mainSlot, ...this.workerSlots] : this.workerSlots) {
      const root = w.root;
      if (root === null || root.deleted) continue;
      if (root.onDone()) root.onDelete();
      else w.vm.pendingDone.set(this.state, root);
    }
  }
}
