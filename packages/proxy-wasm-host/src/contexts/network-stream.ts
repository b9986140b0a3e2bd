// One TCP connection through a wasm network filter: Envoy's Context as a network filter
// (onNewConnection, onData, onWrite, onEvent, onCloseTCP).

import { BufferType, PeerType, StreamType, WasmResult, type FilterStatus } from '../abi/codes.js';
import { BodyBuffer, EMPTY_BUFFER, toBytes, type HostBuffer } from '../envoy/buffers.js';
import { PluginStreamContext } from './stream-context.js';

export interface NetworkResult {
  readonly status: FilterStatus;
  /** The data as the filter leaves it (what Envoy forwards on Continue). */
  readonly data?: Uint8Array;
  /** Envoy closes the connection (FlushWrite): proxy_close_stream, or a VM failure (fail closed). */
  readonly close?: 'downstream' | 'upstream';
}

const CONTINUE: NetworkResult = Object.freeze({ status: 'Continue' });

export class TcpConnection extends PluginStreamContext {
  readonly isRoot = false;
  /** proxy_continue_stream(Downstream) was called. */
  readingContinued = false;
  private downstream: BodyBuffer | null = null;
  private upstream: BodyBuffer | null = null;
  private downstreamClosed = false;
  private closedTcp = false;
  private streamFailed = false;
  private closeRequest: 'downstream' | 'upstream' | undefined;

  override getBuffer(type: number): HostBuffer | null {
    if (type === BufferType.NetworkDownstreamData) return this.downstream ?? EMPTY_BUFFER;
    if (type === BufferType.NetworkUpstreamData) return this.upstream ?? EMPTY_BUFFER;
    return super.getBuffer(type);
  }

  override continueStream(type: number): WasmResult {
    if (type === StreamType.Downstream) this.vm.addAfterVmCallAction(() => (this.readingContinued = true));
    return super.continueStream(type);
  }

  override closeStream(type: number): WasmResult {
    if (type === StreamType.Downstream) this.vm.addAfterVmCallAction(() => (this.closeRequest ??= 'downstream'));
    if (type === StreamType.Upstream) this.vm.addAfterVmCallAction(() => (this.closeRequest ??= 'upstream'));
    return WasmResult.Ok;
  }

  /** CHECK_FAIL_NET: fail open, or close the connection. */
  private checkFail(): FilterStatus {
    if (this.plugin!.failurePolicy === 'FAIL_OPEN') return 'Continue';
    if (!this.streamFailed) {
      this.closeRequest ??= 'downstream';
      this.streamFailed = true;
    }
    return 'StopIteration';
  }

  private callStatus(name: string, a = 0, b = 0): FilterStatus {
    if (this.isFailed()) return this.checkFail();
    const fn = this.vm.fn(name);
    if (!fn) return 'Continue';
    const r = this.vm.invoke(this, name, fn, this.id, a, b);
    const status: FilterStatus = this.isFailed() ? this.checkFail() : r === 0 ? 'Continue' : 'StopIteration';
    this.vm.afterCall();
    return status;
  }

  private result(status: FilterStatus, data?: Uint8Array): NetworkResult {
    const close = this.closeRequest;
    this.closeRequest = undefined;
    if (data === undefined && close === undefined) return status === 'Continue' ? CONTINUE : { status };
    return { status, ...(data ? { data } : {}), ...(close ? { close } : {}) };
  }

  /** Envoy's onNewConnection: context creation, then proxy_on_new_connection. */
  newConnection(): NetworkResult {
    if (this.mode === 'skipped') return CONTINUE;
    const create = this.vm.fn('proxy_on_context_create');
    if (!this.isFailed() && !this.inVmContextCreated && create) {
      this.vm.invoke(this, 'proxy_on_context_create', create, this.id, this.root!.id);
      this.vm.afterCall();
    }
    this.inVmContextCreated = true;
    return this.result(this.callStatus('proxy_on_new_connection'));
  }

  /** Envoy's onData (downstream → upstream bytes). */
  downstreamData(chunk: Uint8Array | string, endOfStream = false): NetworkResult {
    const data = toBytes(chunk);
    if (this.mode === 'skipped' || !this.inVmContextCreated) return { status: 'Continue', data };
    this.downstream = new BodyBuffer(data);
    const buffer = this.downstream;
    const status = this.callStatus('proxy_on_downstream_data', buffer.size, endOfStream ? 1 : 0);
    if (status === 'Continue') this.downstream = null;
    return this.result(status, buffer.bytes());
  }

  /** Envoy's onWrite (upstream → downstream bytes); end of stream fakes the upstream close. */
  upstreamData(chunk: Uint8Array | string, endOfStream = false): NetworkResult {
    const data = toBytes(chunk);
    if (this.mode === 'skipped' || !this.inVmContextCreated) return { status: 'Continue', data };
    this.upstream = new BodyBuffer(data);
    const buffer = this.upstream;
    const status = this.callStatus('proxy_on_upstream_data', buffer.size, endOfStream ? 1 : 0);
    if (status === 'Continue') this.upstream = null;
    const out = this.result(status, buffer.bytes());
    if (endOfStream) this.onUpstreamClose(PeerType.Unknown);
    return out;
  }

  private callClose(name: string, peer: PeerType): void {
    const fn = this.vm.fn(name);
    if (this.isFailed() || !fn) return;
    this.vm.invoke(this, name, fn, this.id, peer);
    this.vm.afterCall();
  }

  private onUpstreamClose(peer: PeerType): void {
    this.callClose('proxy_on_upstream_connection_close', peer);
    if (this.downstreamClosed) this.closeTcp();
  }

  /** A connection event (LocalClose/RemoteClose): close callback, then done → log → delete. */
  close(by: 'local' | 'remote'): void {
    if (this.mode === 'skipped' || !this.inVmContextCreated) return;
    this.callClose('proxy_on_downstream_connection_close', by === 'local' ? PeerType.Local : PeerType.Remote);
    this.downstreamClosed = true;
    this.closeTcp();
  }

  /** Context::onCloseTCP: on_done, on_log, on_delete — in that order for TCP. */
  private closeTcp(): void {
    if (this.closedTcp || !this.inVmContextCreated) return;
    this.closedTcp = true;
    const done = this.vm.fn('proxy_on_done');
    if (!this.isFailed() && done) {
      this.vm.invoke(this, 'proxy_on_done', done, this.id);
      this.vm.afterCall();
    }
    this.callClose('proxy_on_log', 0);
    const del = this.vm.fn('proxy_on_delete');
    if (!this.isFailed() && del) {
      this.vm.invoke(this, 'proxy_on_delete', del, this.id);
      this.vm.afterCall();
    }
    if (this.mode === 'active') this.vm.contexts.delete(this.id);
  }
}
