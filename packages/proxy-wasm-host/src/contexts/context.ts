// Host-side contexts (proxy-wasm-cpp-host ContextBase + Envoy's Context): what hostcalls act on,
// and the calls into the VM for the VM context (id 0) and root (plugin) contexts.

import { BufferType, HeaderMapType, StreamType, WasmResult } from '../abi/codes.js';
import { findTopLevel, type PropertyScope } from '../envoy/attributes.js';
import { ConstBuffer, EMPTY_BUFFER, type HostBuffer } from '../envoy/buffers.js';
import type { PluginState } from '../vm/core.js';
import type { HeaderMap } from '../envoy/headers.js';
import type { LocalReplyInput } from '../envoy/local-reply.js';
import { serializeCel, splitPath, stepInto, type CelValue } from '../envoy/properties.js';
import type { NodeInfo } from '../envoy/protobuf.js';
import type { StreamInfo } from '../envoy/stream-info.js';
import type { WasmVm } from '../vm/vm.js';

/** The response of an HTTP callout while proxy_on_http_call_response runs. */
export interface CalloutResponseData {
  readonly headers: HeaderMap;
  readonly body: HostBuffer;
  readonly trailers: HeaderMap | null;
}

export abstract class ContextBase implements PropertyScope {
  inVmContextCreated = false;
  /** Envoy's temp_plugin_: set while the plugin configuration buffer is readable. */
  tempPlugin: PluginState | null = null;
  accessLogPhase = false;
  statusCode = 0;
  statusMessage = '';
  callout: CalloutResponseData | null = null;

  constructor(
    readonly vm: WasmVm,
    readonly id: number,
    readonly plugin: PluginState | null,
  ) {}

  abstract readonly isRoot: boolean;
  abstract rootContext(): ContextBase;
  abstract logPrefix(): string;

  isFailed(): boolean {
    return this.vm.failState !== null;
  }

  // PropertyScope: the activation a property read sees.
  get info(): StreamInfo | null {
    return null;
  }
  get activeRequestHeaders(): HeaderMap | null {
    return null;
  }
  get activeResponseHeaders(): HeaderMap | null {
    return null;
  }
  get activeResponseTrailers(): HeaderMap | null {
    return null;
  }
  get pluginName(): string | null {
    return this.plugin?.name ?? null;
  }
  get rootId(): string {
    return this.plugin?.rootId ?? '';
  }
  get vmId(): string {
    return this.vm.core.vmId;
  }
  get node(): NodeInfo | null {
    return this.vm.core.node;
  }

  /** Context::getMap: the mutable map, or null when it is not available now. */
  getMap(_type: number): HeaderMap | null {
    return null;
  }

  /** Context::getConstMap: read access (also used by get_header_map_pairs). */
  getConstMap(type: number): HeaderMap | null {
    const callout = this.rootContext().callout;
    if (type === HeaderMapType.HttpCallResponseHeaders) return callout?.headers ?? null;
    if (type === HeaderMapType.HttpCallResponseTrailers) return callout?.trailers ?? null;
    return null;
  }

  getHeaderMapValue(type: number, key: string): WasmResult | string {
    const map = this.getConstMap(type);
    const abi01 = this.vm.core.abi === '0.1.0';
    if (map === null) {
      if (this.accessLogPhase) return abi01 ? '' : WasmResult.NotFound;
      return WasmResult.BadArgument;
    }
    const value = map.get(key);
    if (value === undefined) return abi01 ? '' : WasmResult.NotFound;
    return value;
  }

  /** Context::getBuffer; null means NotFound. */
  getBuffer(type: number): HostBuffer | null {
    switch (type) {
      case BufferType.VmConfiguration:
        return new ConstBuffer(this.vm.core.vmConfig);
      case BufferType.PluginConfiguration:
        return this.tempPlugin ? new ConstBuffer(this.tempPlugin.configuration) : null;
      case BufferType.HttpCallResponseBody:
        return this.rootContext().callout?.body ?? null;
      default:
        return EMPTY_BUFFER;
    }
  }

  /** proxy_get_configuration (ABI 0.1.0). */
  getConfiguration(): Uint8Array {
    return this.tempPlugin ? this.tempPlugin.configuration : this.vm.core.vmConfig;
  }

  sendLocalResponse(_reply: LocalReplyInput): void {
    // Only HTTP stream contexts have decoder callbacks; elsewhere this is a no-op.
  }

  continueStream(type: number): WasmResult {
    if (type === StreamType.Upstream) return WasmResult.Unimplemented;
    if (type === StreamType.Downstream) return WasmResult.Ok;
    this.clearRequestState();
    return WasmResult.Ok;
  }

  /** Context::continueStream clears the cached request pointers for Request *and* Response. */
  protected clearRequestState(): void {}

  closeStream(_type: number): WasmResult {
    return WasmResult.Ok;
  }

  setProperty(path: string, value: Uint8Array): WasmResult {
    const info = this.info;
    if (info === null) return WasmResult.NotFound;
    info.filterState.set(`wasm.${path}`, value);
    return WasmResult.Ok;
  }

  getProperty(path: string): Uint8Array | WasmResult {
    const parts = splitPath(path);
    if (parts.length === 0) return WasmResult.NotFound;
    let value: CelValue | undefined = findTopLevel(this, parts[0]!);
    for (let i = 1; i < parts.length && value !== undefined; i++) value = stepInto(value, parts[i]!);
    if (value === undefined) return WasmResult.NotFound;
    return serializeCel(value);
  }

  writeLog(level: number, message: string): void {
    this.vm.core.logger.plugin(level, this.logPrefix(), message, this.id);
  }

  /** Envoy's Context::error logs at trace level. */
  error(message: string): void {
    this.vm.core.logger.plugin(0, '', message, this.id);
  }
}

/** Context 0: used for _initialize/_start and for calls into malloc. */
export class VmContext extends ContextBase {
  readonly isRoot = true;

  constructor(vm: WasmVm) {
    super(vm, 0, null);
  }

  rootContext(): ContextBase {
    return this;
  }

  logPrefix(): string {
    return '';
  }
}

/** A plugin's root context inside one VM. */
export class RootContext extends ContextBase {
  readonly isRoot = true;
  readonly pendingCallouts = new Set<number>();
  deleted = false;

  constructor(vm: WasmVm, plugin: PluginState) {
    super(vm, vm.allocContextId(), plugin);
    vm.contexts.set(this.id, this);
  }

  rootContext(): ContextBase {
    return this;
  }

  logPrefix(): string {
    const p = this.plugin!;
    let prefix = p.rootId === '' ? '' : ` ${p.rootId}`;
    if (this.vm.core.vmId !== '') prefix += ` ${this.vm.core.vmId}`;
    return prefix;
  }

  /** ContextBase::onStart: context_create(root, 0) then on_vm_start(root, vm config size). */
  onStart(plugin: PluginState): boolean {
    const vm = this.vm;
    let result = true;
    const create = vm.fn('proxy_on_context_create');
    if (create) {
      this.tempPlugin = plugin;
      vm.invoke(this, 'proxy_on_context_create', create, this.id, 0);
      this.inVmContextCreated = true;
      this.tempPlugin = null;
    }
    const start = vm.fn('proxy_on_vm_start');
    if (start) result = vm.invoke(this, 'proxy_on_vm_start', start, this.id, vm.core.vmConfig.length) !== 0;
    vm.afterCall();
    return result;
  }

  /** ContextBase::onConfigure. A failed VM reports success here, as cpp-host does. */
  onConfigure(plugin: PluginState): boolean {
    if (this.isFailed()) return true;
    const vm = this.vm;
    const create = vm.fn('proxy_on_context_create');
    if (!this.inVmContextCreated && create) {
      vm.invoke(this, 'proxy_on_context_create', create, this.id, 0);
      vm.afterCall();
    }
    this.inVmContextCreated = true;
    const configure = vm.fn('proxy_on_configure');
    if (!configure) return true;
    this.tempPlugin = plugin;
    const ok = vm.invoke(this, 'proxy_on_configure', configure, this.id, plugin.configuration.length) !== 0;
    this.tempPlugin = null;
    vm.afterCall();
    return ok;
  }

  private callRoot(name: string, a = 0, b = 0, c = 0, d = 0): void {
    const fn = this.vm.fn(name);
    if (this.isFailed() || !fn) return;
    this.vm.invoke(this, name, fn, this.id, a, b, c, d);
    this.vm.afterCall();
  }

  onTick(): void {
    this.callRoot('proxy_on_tick');
  }

  onQueueReady(token: number): void {
    this.callRoot('proxy_on_queue_ready', token);
  }

  onForeignFunction(functionId: number, dataSize: number): void {
    this.callRoot('proxy_on_foreign_function', functionId, dataSize);
  }

  onHttpCallResponse(token: number, headers: number, bodySize: number, trailers: number): void {
    this.callRoot('proxy_on_http_call_response', token, headers, bodySize, trailers);
  }

  onDone(): boolean {
    const fn = this.vm.fn('proxy_on_done');
    if (this.isFailed() || !fn) return true;
    const r = this.vm.invoke(this, 'proxy_on_done', fn, this.id) !== 0;
    this.vm.afterCall();
    return r;
  }

  onDelete(): void {
    const fn = this.vm.fn('proxy_on_delete');
    if (this.inVmContextCreated && !this.isFailed() && fn) {
      this.vm.invoke(this, 'proxy_on_delete', fn, this.id);
      this.vm.afterCall();
    }
    this.deleted = true;
    this.vm.contexts.delete(this.id);
  }
}
