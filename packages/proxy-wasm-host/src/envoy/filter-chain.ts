// Runs one request through several wasm HTTP filters the way Envoy's filter manager does:
// decoder filters in order sharing one header map (so each sees the previous one's mutations),
// a stopped filter holds the stream until it calls proxy_continue_stream (callout responses are
// dispatched meanwhile), the first local reply ends decoding and is encoded back through the
// encoder filters (reverse order), and at the end every filter logs, then every filter is destroyed.

import { toBytes } from './buffers.js';
import type { Dispatcher } from '../services/dispatcher.js';
import { HeaderMap, type HeaderInput } from './headers.js';
import type { DataResult, HttpStream } from '../contexts/http-stream.js';
import { encodeLocalReply, type LocalReply } from './local-reply.js';
import type { Plugin } from '../contexts/plugin.js';
import { StreamInfo, type StreamInfoInput } from './stream-info.js';

export type BodyInput = Uint8Array | string | readonly (Uint8Array | string)[];

export interface ChainRequest {
  readonly headers: HeaderInput;
  readonly body?: BodyInput;
  readonly trailers?: HeaderInput;
  readonly info?: StreamInfoInput;
}

export interface ForwardedRequest {
  readonly headers: HeaderMap;
  readonly body: Uint8Array;
  readonly trailers: HeaderMap | null;
}

export interface UpstreamResponse {
  readonly status?: number;
  readonly headers?: HeaderInput;
  readonly body?: BodyInput;
  readonly trailers?: HeaderInput;
}

export type Upstream = (request: ForwardedRequest) => UpstreamResponse | Promise<UpstreamResponse>;

export interface ChainResponse {
  readonly status: number;
  readonly headers: HeaderMap;
  readonly body: Uint8Array;
  readonly trailers: HeaderMap | null;
}

export type Side = 'request' | 'response';

export interface ChainResult {
  /** What reached the upstream, or null when a filter answered, reset or stalled the request. */
  readonly forwarded: ForwardedRequest | null;
  /** What went downstream, or null after a reset or a stall. */
  readonly response: ChainResponse | null;
  readonly localReply: (LocalReply & { readonly filter: number; readonly side: Side }) | null;
  readonly reset: { readonly filter: number } | null;
  /** A filter stopped and never continued (Envoy would hold the stream until a timeout). */
  readonly stalled: { readonly filter: number; readonly side: Side } | null;
  readonly info: StreamInfo;
}

type Stop =
  | { readonly kind: 'reply'; readonly filter: number; readonly reply: LocalReply }
  | { readonly kind: 'reset'; readonly filter: number }
  | { readonly kind: 'stalled'; readonly filter: number };

interface BodyOutcome {
  readonly stop: Stop | null;
  /** Trailers a filter created at end of stream, and the position of the first filter to get them. */
  readonly added: { readonly map: HeaderMap; readonly from: number } | null;
}

interface Events {
  readonly localReply?: LocalReply;
  readonly reset?: boolean;
}

function chunksOf(body: BodyInput | undefined): Uint8Array[] {
  if (body === undefined) return [];
  const list = typeof body === 'string' || body instanceof Uint8Array ? [body] : body;
  return list.map(toBytes);
}

const EMPTY = new Uint8Array(0);

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 0) return EMPTY;
  if (parts.length === 1) return parts[0]!;
  return Buffer.concat(parts);
}

/** A map the chain may mutate: the caller's HeaderMap is copied, other inputs are built fresh. */
function ownMap(input: HeaderInput | undefined): HeaderMap {
  return input instanceof HeaderMap ? input.clone() : HeaderMap.from(input);
}

class ChainRun {
  constructor(
    readonly streams: readonly HttpStream[],
    private readonly dispatchers: readonly Dispatcher[],
    private readonly info: StreamInfo,
  ) {}

  private continued(s: HttpStream, side: Side): boolean {
    const flag = side === 'request' ? s.requestContinued : s.responseContinued;
    if (side === 'request') s.requestContinued = false;
    else s.responseContinued = false;
    return flag;
  }

  private stopOf(i: number, events: Events | null): Stop | null {
    if (events?.localReply) return { kind: 'reply', filter: i, reply: events.localReply };
    if (events?.reset) return { kind: 'reset', filter: i };
    return null;
  }

  /** After a stop: dispatch callouts until the filter continues, answers, resets — or nothing is left. */
  private async waitFor(i: number, side: Side): Promise<Stop | null> {
    const s = this.streams[i]!;
    for (;;) {
      const stop = this.stopOf(i, s.takeEvents());
      if (stop) return stop;
      if (this.continued(s, side)) return null;
      let ran = 0;
      for (const d of this.dispatchers) ran += d.dispatch();
      if (ran > 0) continue;
      const pending = this.dispatchers.filter((d) => d.hasPending);
      if (pending.length === 0) return { kind: 'stalled', filter: i };
      await Promise.race(pending.map((d) => d.settle()));
    }
  }

  /** One filter callback's outcome: proceed (null) or stop; a promise only when it must wait. */
  step(i: number, side: Side, status: string, events: Events): Stop | null | Promise<Stop | null> {
    const stop = this.stopOf(i, events);
    if (stop) return stop;
    if (status === 'Continue') {
      this.continued(this.streams[i]!, side);
      return null;
    }
    return this.waitFor(i, side);
  }

  private order(side: Side): number[] {
    const idx = this.streams.map((_, i) => i);
    return side === 'request' ? idx : idx.reverse();
  }

  async headers(side: Side, map: HeaderMap, eos: boolean): Promise<Stop | null> {
    for (const i of this.order(side)) {
      const s = this.streams[i]!;
      const r = side === 'request' ? s.requestHeaders(map, eos) : s.responseHeaders(map, eos);
      let stop = this.step(i, side, r.status, r);
      if (stop instanceof Promise) stop = await stop;
      if (stop) return stop;
    }
    return null;
  }

  /**
   * Body chunks; a StopIterationAndBuffer filter keeps the data until a later chunk completes it.
   * A filter that adds trailers at end of stream turns end_stream off for the filters after it,
   * which then get the trailers (Envoy's addDecodedTrailers).
   */
  async body(side: Side, chunks: readonly Uint8Array[], hasTrailers: boolean, out: Uint8Array[]): Promise<BodyOutcome> {
    let added: { map: HeaderMap; from: number } | null = null;
    const order = this.order(side);
    for (let c = 0; c < chunks.length; c++) {
      let eos = c === chunks.length - 1 && !hasTrailers;
      let data: Uint8Array = chunks[c]!;
      if (side === 'request') this.info.bytesReceived += data.length;
      let held = false;
      for (let k = 0; k < order.length; k++) {
        const i = order[k]!;
        const s = this.streams[i]!;
        const r: DataResult = side === 'request' ? s.requestBody(data, eos) : s.responseBody(data, eos);
        if (r.addedTrailers && added === null) {
          added = { map: r.addedTrailers, from: k + 1 };
          eos = false;
        }
        if (r.status === 'StopIterationAndBuffer' && !eos && !r.localReply && !r.reset) {
          held = true;
          break;
        }
        let stop = this.step(i, side, r.status, r);
        if (stop instanceof Promise) stop = await stop;
        if (stop) return { stop, added };
        data = r.data;
      }
      if (!held) out.push(data);
    }
    return { stop: null, added };
  }

  async trailers(side: Side, map: HeaderMap, from = 0): Promise<Stop | null> {
    for (const i of this.order(side).slice(from)) {
      const s = this.streams[i]!;
      const r = side === 'request' ? s.requestTrailers(map) : s.responseTrailers(map);
      let stop = this.step(i, side, r.status, r);
      if (stop instanceof Promise) stop = await stop;
      if (stop) return stop;
    }
    return null;
  }

  /** Request then response side of one message (headers, body chunks, trailers). */
  async message(side: Side, headers: HeaderMap, chunks: Uint8Array[], trailersIn: HeaderMap | null) {
    const body: Uint8Array[] = [];
    const eos = chunks.length === 0 && trailersIn === null;
    let stop = await this.headers(side, headers, eos);
    if (stop) return { stop, body, trailers: trailersIn };
    if (eos) return { stop: null, body, trailers: null };
    const b = await this.body(side, chunks, trailersIn !== null, body);
    const trailers = trailersIn ?? b.added?.map ?? null;
    if (b.stop) return { stop: b.stop, body, trailers };
    if (trailers) stop = await this.trailers(side, trailers, trailersIn ? 0 : b.added!.from);
    return { stop, body, trailers };
  }

  finish(info: StreamInfo, now: bigint): void {
    info.requestCompleteNs ??= now - info.startNs;
    for (const s of this.streams) s.log();
    for (const s of this.streams) s.destroy();
  }
}

export class FilterChain {
  private readonly dispatchers: readonly Dispatcher[];

  constructor(
    readonly plugins: readonly Plugin[],
    private readonly worker = 0,
  ) {
    this.dispatchers = [...new Set(plugins.map((p) => p.core.dispatcher))];
  }

  /** Runs the request, the upstream (default: 200 with no body) and the response. */
  async run(request: ChainRequest, upstream?: Upstream): Promise<ChainResult> {
    const core = this.plugins[0]?.core;
    const now = () => core?.clock.realtimeNs() ?? 0n;
    const info = new StreamInfo(request.info ?? {}, now(), core?.node ?? null, core?.nextConnectionId ?? (() => 1n));
    const streams = this.plugins.map((p) => p.newHttpStream({ info, worker: this.worker }));
    const run = new ChainRun(streams, this.dispatchers, info);
    try {
      return await this.process(run, info, request, upstream);
    } finally {
      run.finish(info, now());
    }
  }

  private async process(run: ChainRun, info: StreamInfo, request: ChainRequest, upstream?: Upstream): Promise<ChainResult> {
    const headers = ownMap(request.headers);
    const chunks = chunksOf(request.body);
    const reqTrailers = request.trailers === undefined ? null : ownMap(request.trailers);
    const decoded = await run.message('request', headers, chunks, reqTrailers);
    const base = { info, forwarded: null, response: null, localReply: null, reset: null, stalled: null };
    if (decoded.stop) return this.stopped(run, base, decoded.stop, 'request', headers);
    const forwarded: ForwardedRequest = { headers, body: concat(decoded.body), trailers: decoded.trailers };
    const answer = upstream ? await upstream(forwarded) : {};
    info.upstreamEstablished = true;
    const respHeaders = ownMap(answer.headers);
    respHeaders.replace(':status', String(answer.status ?? 200));
    info.responseCode = answer.status ?? 200;
    // Envoy's router (onUpstreamHeaders) records "via_upstream" before the encoder filters run.
    info.responseCodeDetails ??= 'via_upstream';
    const respTrailers = answer.trailers === undefined ? null : ownMap(answer.trailers);
    const encoded = await run.message('response', respHeaders, chunksOf(answer.body), respTrailers);
    const withForward = { ...base, forwarded };
    if (encoded.stop) return this.stopped(run, withForward, encoded.stop, 'response', headers);
    const body = concat(encoded.body);
    info.bytesSent = body.length;
    const response = { status: Number(respHeaders.get(':status')), headers: respHeaders, body, trailers: encoded.trailers };
    info.responseCode = response.status;
    return { ...withForward, response };
  }

  private async stopped(run: ChainRun, base: ChainResult, stop: Stop, side: Side, request: HeaderMap): Promise<ChainResult> {
    if (stop.kind === 'reset') return { ...base, reset: { filter: stop.filter } };
    if (stop.kind === 'stalled') return { ...base, stalled: { filter: stop.filter, side } };
    const localReply = { ...stop.reply, filter: stop.filter, side };
    const encoded = encodeLocalReply(stop.reply, request);
    if (side === 'response') {
      base.info.responseCode = Number(encoded.headers.get(':status'));
      return { ...base, localReply, response: { status: base.info.responseCode, headers: encoded.headers, body: encoded.body, trailers: null } };
    }
    const chunks = encoded.headersOnly ? [] : [encoded.body];
    const out = await run.message('response', encoded.headers, chunks, null);
    const response = out.stop
      ? null
      : { status: Number(encoded.headers.get(':status')), headers: encoded.headers, body: concat(out.body), trailers: null };
    // The code on_log reads is the :status that went downstream (200 for a gRPC local reply).
    if (response) base.info.responseCode = response.status;
    return { ...base, localReply, response };
  }
}
