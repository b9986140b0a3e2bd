// One HTTP stream through one wasm filter: Envoy's Context as an HTTP filter (decodeHeaders …
// encodeTrailers, log, onDestroy) on top of cpp-host's ContextBase callbacks (CHECK_FAIL, the
// return-value conversions, DeferAfterCallActions).

import {
  BufferType, HeaderMapType, StreamType, WasmResult,
  type FilterDataStatus, type FilterHeadersStatus, type FilterTrailersStatus,
} from '../abi/codes.js';
import { BodyBuffer, EMPTY_BUFFER, toBytes, type HostBuffer } from '../envoy/buffers.js';
import { PluginStreamContext } from './stream-context.js';
import { HeaderMap, type HeaderInput } from '../envoy/headers.js';
import { failStreamReply, makeLocalReply, type LocalReply, type LocalReplyInput } from '../envoy/local-reply.js';

export interface HeadersResult {
  readonly status: FilterHeadersStatus;
  /** Set when the plugin (or a VM failure) produced a local reply during this call. */
  readonly localReply?: LocalReply;
  /** proxy_close_stream(Request|Response) was called: Envoy resets the stream. */
  readonly reset?: boolean;
}

export interface DataResult {
  readonly status: FilterDataStatus;
  readonly localReply?: LocalReply;
  readonly reset?: boolean;
  /** The body as the filter leaves it (with any buffered chunks): what continues on Continue. */
  readonly data: Uint8Array;
  /** Trailers the plugin created at end of stream (Envoy's addDecodedTrailers). */
  readonly addedTrailers?: HeaderMap;
}

export interface TrailersResult {
  readonly status: FilterTrailersStatus;
  readonly localReply?: LocalReply;
  readonly reset?: boolean;
}

const HEADERS = new Map<FilterHeadersStatus, HeadersResult>(
  (['Continue', 'StopIteration', 'StopAllIterationAndBuffer', 'StopAllIterationAndWatermark'] as const).map((s) => [
    s,
    Object.freeze({ status: s }),
  ]),
);
const TRAILERS = new Map<FilterTrailersStatus, TrailersResult>(
  (['Continue', 'StopIteration'] as const).map((s) => [s, Object.freeze({ status: s })]),
);
const DATA_STATUS: readonly FilterDataStatus[] = [
  'Continue', 'StopIterationAndBuffer', 'StopIterationAndWatermark', 'StopIterationNoBuffer',
];
const HEADER_STATUS: readonly FilterHeadersStatus[] = [
  'Continue', 'StopIteration', 'Continue', 'StopAllIterationAndBuffer', 'StopAllIterationAndWatermark',
];

export type { StreamMode } from './stream-context.js';

export class HttpStream extends PluginStreamContext {
  readonly isRoot = false;
  /** Set after a VM call in which the plugin called proxy_continue_stream(Request). */
  requestContinued = false;
  responseContinued = false;
  private reqHeaders: HeaderMap | null = null;
  private reqBody: BodyBuffer | null = null;
  private reqTrailers: HeaderMap | null = null;
  private respHeaders: HeaderMap | null = null;
  private respBody: BodyBuffer | null = null;
  private respTrailers: HeaderMap | null = null;
  private logReq: HeaderMap | null = null;
  private logResp: HeaderMap | null = null;
  private logRespTrailers: HeaderMap | null = null;
  private bufferingReq = false;
  private bufferingResp = false;
  private endOfStream = false;
  private failureReplySent = false;
  private streamFailed = false;
  private destroyed = false;
  private logged = false;
  private pendingReply: LocalReply | undefined;
  private resetPending = false;
  private addedTrailers: HeaderMap | undefined;

  override get activeRequestHeaders(): HeaderMap | null {
    return this.reqHeaders ?? (this.accessLogPhase ? this.logReq : null);
  }
  override get activeResponseHeaders(): HeaderMap | null {
    return this.respHeaders ?? (this.accessLogPhase ? this.logResp : null);
  }
  override get activeResponseTrailers(): HeaderMap | null {
    return this.respTrailers ?? (this.accessLogPhase ? this.logRespTrailers : null);
  }

  override getMap(type: number): HeaderMap | null {
    switch (type) {
      case HeaderMapType.RequestHeaders: return this.reqHeaders;
      case HeaderMapType.RequestTrailers:
        if (this.reqTrailers === null && this.reqBody !== null && this.endOfStream) {
          this.reqTrailers = this.addedTrailers = new HeaderMap();
        }
        return this.reqTrailers;
      case HeaderMapType.ResponseHeaders: return this.respHeaders;
      case HeaderMapType.ResponseTrailers:
        if (this.respTrailers === null && this.respBody !== null && this.endOfStream) {
          this.respTrailers = this.addedTrailers = new HeaderMap();
        }
        return this.respTrailers;
      default: return null;
    }
  }

  override getConstMap(type: number): HeaderMap | null {
    const log = this.accessLogPhase;
    switch (type) {
      case HeaderMapType.RequestHeaders: return log ? this.logReq : this.reqHeaders;
      case HeaderMapType.RequestTrailers: return log ? null : this.reqTrailers;
      case HeaderMapType.ResponseHeaders: return log ? this.logResp : this.respHeaders;
      case HeaderMapType.ResponseTrailers: return log ? this.logRespTrailers : this.respTrailers;
      default: return super.getConstMap(type);
    }
  }

  override getBuffer(type: number): HostBuffer | null {
    if (type === BufferType.HttpRequestBody) return this.reqBody ?? EMPTY_BUFFER;
    if (type === BufferType.HttpResponseBody) return this.respBody ?? EMPTY_BUFFER;
    return super.getBuffer(type);
  }

  override sendLocalResponse(input: LocalReplyInput): void {
    this.vm.addAfterVmCallAction(() => this.setLocalReply(makeLocalReply(input)));
  }

  private setLocalReply(reply: LocalReply): void {
    if (this.pendingReply !== undefined) return;
    this.pendingReply = reply;
    this.streamInfo.responseCode = reply.status;
    this.streamInfo.responseCodeDetails = reply.details;
  }

  override continueStream(type: number): WasmResult {
    if (type === StreamType.Request) this.vm.addAfterVmCallAction(() => (this.requestContinued = true));
    if (type === StreamType.Response) this.vm.addAfterVmCallAction(() => (this.responseContinued = true));
    return super.continueStream(type);
  }

  protected override clearRequestState(): void {
    this.reqHeaders = null;
    this.reqBody = null;
    this.reqTrailers = null;
  }

  override closeStream(type: number): WasmResult {
    if (type === StreamType.Request || type === StreamType.Response) {
      this.streamInfo.responseCodeDetails ??= 'wasm_close_stream';
      this.vm.addAfterVmCallAction(() => (this.resetPending = true));
    }
    return WasmResult.Ok;
  }

  /** CHECK_FAIL_HTTP: fail open, or a single 503 wasm_fail_stream local reply. */
  private checkFail<T>(open: T, closed: T): T {
    if (this.plugin!.failurePolicy === 'FAIL_OPEN') return open;
    if (!this.streamFailed) {
      if (!this.failureReplySent) {
        this.setLocalReply(failStreamReply());
        this.failureReplySent = true;
      }
      this.streamFailed = true;
    }
    return closed;
  }

  private call(name: string, a: number, b: number): number | null {
    const fn = this.vm.fn(name);
    if (!fn) return null;
    return this.vm.invoke(this, name, fn, this.id, a, b);
  }

  private callHeaders(name: string, count: number, eos: boolean): FilterHeadersStatus {
    if (this.isFailed()) return this.checkFail('Continue', 'StopAllIterationAndWatermark');
    const r = this.call(name, count, eos ? 1 : 0);
    if (r === null) return 'Continue';
    let status: FilterHeadersStatus;
    if (this.isFailed()) status = this.checkFail('Continue', 'StopAllIterationAndWatermark');
    else if (this.vm.stopNextIteration || r > 4) status = 'StopAllIterationAndWatermark';
    else if (r === 1 && !this.plugin!.allowOnHeadersStopIteration) status = 'StopAllIterationAndWatermark';
    else status = HEADER_STATUS[r]!;
    this.vm.afterCall();
    return status;
  }

  private callData(name: string, size: number, eos: boolean): FilterDataStatus {
    if (this.isFailed()) return this.checkFail('Continue', 'StopIterationNoBuffer');
    const r = this.call(name, size, eos ? 1 : 0);
    if (r === null) return 'Continue';
    let status: FilterDataStatus;
    if (this.isFailed()) status = this.checkFail('Continue', 'StopIterationNoBuffer');
    else status = this.vm.stopNextIteration || r > 3 ? 'StopIterationNoBuffer' : DATA_STATUS[r]!;
    this.vm.afterCall();
    return status;
  }

  private callTrailers(name: string, count: number): FilterTrailersStatus {
    if (this.isFailed()) return this.checkFail('Continue', 'StopIteration');
    const r = this.call(name, count, 0);
    if (r === null) return 'Continue';
    let status: FilterTrailersStatus;
    if (this.isFailed()) status = this.checkFail('Continue', 'StopIteration');
    else status = this.vm.stopNextIteration || r > 0 ? 'StopIteration' : 'Continue';
    this.vm.afterCall();
    return status;
  }

  /** ContextBase::onCreate: proxy_on_context_create(stream, root), once. */
  private onCreate(): void {
    const fn = this.vm.fn('proxy_on_context_create');
    if (!this.isFailed() && !this.inVmContextCreated && fn) {
      this.vm.invoke(this, 'proxy_on_context_create', fn, this.id, this.root!.id);
      this.vm.afterCall();
    }
    this.inVmContextCreated = true;
  }

  /** A local reply or reset produced outside a stream call (e.g. from a callout callback). */
  takeEvents(): { localReply?: LocalReply; reset?: boolean } | null {
    return this.extras();
  }

  private extras(): { localReply?: LocalReply; reset?: boolean } | null {
    if (this.pendingReply === undefined && !this.resetPending) return null;
    const out = { localReply: this.pendingReply, reset: this.resetPending || undefined };
    this.pendingReply = undefined;
    this.resetPending = false;
    return out;
  }

  private headersResult(status: FilterHeadersStatus): HeadersResult {
    const extra = this.extras();
    return extra === null ? HEADERS.get(status)! : { status, ...extra };
  }

  private trailersResult(status: FilterTrailersStatus): TrailersResult {
    const extra = this.extras();
    return extra === null ? TRAILERS.get(status)! : { status, ...extra };
  }

  private dataResult(status: FilterDataStatus, data: Uint8Array): DataResult {
    const added = this.addedTrailers;
    this.addedTrailers = undefined;
    return { status, data, ...(added ? { addedTrailers: added } : {}), ...this.extras() };
  }

  /** Envoy's decodeHeaders. */
  requestHeaders(input: HeaderInput, endOfStream = false): HeadersResult {
    const map = HeaderMap.from(input);
    this.logReq = map;
    if (this.mode === 'skipped') return HEADERS.get('Continue')!;
    this.onCreate();
    this.reqHeaders = map;
    this.endOfStream = endOfStream;
    const status = this.callHeaders('proxy_on_request_headers', map.size, endOfStream);
    if (status === 'Continue') this.reqHeaders = null;
    return this.headersResult(status);
  }

  /** Envoy's decodeData; with StopIterationAndBuffer the next call sees the accumulated body. */
  requestBody(chunk: Uint8Array | string, endOfStream = false): DataResult {
    const data = toBytes(chunk);
    if (this.mode === 'skipped' || !this.inVmContextCreated) return { status: 'Continue', data };
    const buffer = this.bufferingReq && this.reqBody ? this.reqBody : new BodyBuffer(data);
    if (buffer === this.reqBody) buffer.append(data);
    this.reqBody = buffer;
    this.endOfStream = endOfStream;
    const status = this.callData('proxy_on_request_body', buffer.size, endOfStream);
    this.bufferingReq = status === 'StopIterationAndBuffer';
    if (status === 'Continue') this.reqBody = null;
    return this.dataResult(status, buffer.bytes());
  }

  requestTrailers(input: HeaderInput): TrailersResult {
    const map = HeaderMap.from(input);
    if (this.mode === 'skipped' || !this.inVmContextCreated) return TRAILERS.get('Continue')!;
    this.reqTrailers = map;
    const status = this.callTrailers('proxy_on_request_trailers', map.size);
    if (status === 'Continue') this.reqTrailers = null;
    return this.trailersResult(status);
  }

  /** Envoy's encodeHeaders: skipped when the context was never created or the stream failed. */
  responseHeaders(input: HeaderInput, endOfStream = false): HeadersResult {
    const map = HeaderMap.from(input);
    this.logResp = map;
    if (this.streamInfo.responseCode === undefined) {
      const code = Number(map.get(':status'));
      if (Number.isInteger(code)) this.streamInfo.responseCode = code;
    }
    if (this.mode === 'skipped' || !this.inVmContextCreated || this.failureReplySent) return HEADERS.get('Continue')!;
    this.respHeaders = map;
    this.endOfStream = endOfStream;
    const status = this.callHeaders('proxy_on_response_headers', map.size, endOfStream);
    if (status === 'Continue') this.respHeaders = null;
    return this.headersResult(status);
  }

  responseBody(chunk: Uint8Array | string, endOfStream = false): DataResult {
    const data = toBytes(chunk);
    if (this.mode === 'skipped' || !this.inVmContextCreated || this.failureReplySent) return { status: 'Continue', data };
    const buffer = this.bufferingResp && this.respBody ? this.respBody : new BodyBuffer(data);
    if (buffer === this.respBody) buffer.append(data);
    this.respBody = buffer;
    this.endOfStream = endOfStream;
    const status = this.callData('proxy_on_response_body', buffer.size, endOfStream);
    this.bufferingResp = status === 'StopIterationAndBuffer';
    if (status === 'Continue') this.respBody = null;
    return this.dataResult(status, buffer.bytes());
  }

  responseTrailers(input: HeaderInput): TrailersResult {
    const map = HeaderMap.from(input);
    this.logRespTrailers = map;
    if (this.mode === 'skipped' || !this.inVmContextCreated || this.failureReplySent) return TRAILERS.get('Continue')!;
    this.respTrailers = map;
    const status = this.callTrailers('proxy_on_response_trailers', map.size);
    if (status === 'Continue') this.respTrailers = null;
    return this.trailersResult(status);
  }

  private callVoid(name: string): void {
    const fn = this.vm.fn(name);
    if (this.isFailed() || !fn) return;
    this.vm.invoke(this, name, fn, this.id);
    this.vm.afterCall();
  }

  /** Envoy's access-log pass: creates the context if the request never reached it, then proxy_on_log. */
  log(): void {
    if (this.logged || this.mode === 'skipped') return;
    this.logged = true;
    if (!this.inVmContextCreated) this.onCreate();
    this.accessLogPhase = true;
    this.callVoid('proxy_on_log');
    this.accessLogPhase = false;
  }

  /** Envoy's onDestroy: proxy_on_done then proxy_on_delete; the context is gone afterwards. */
  destroy(): void {
    if (this.destroyed || this.mode === 'skipped') return;
    this.destroyed = true;
    if (this.inVmContextCreated) {
      this.callVoid('proxy_on_done');
      this.callVoid('proxy_on_delete');
    }
    this.clearRequestState();
    this.respHeaders = this.respTrailers = null;
    this.respBody = null;
    if (this.mode === 'active') this.vm.contexts.delete(this.id);
  }

  /** End of stream as current Envoy runs it: on_log, then on_done and on_delete. */
  complete(): void {
    if (this.streamInfo.requestCompleteNs === undefined) {
      this.streamInfo.requestCompleteNs = this.vm.core.clock.realtimeNs() - this.streamInfo.startNs;
    }
    this.log();
    this.destroy();
  }
}
