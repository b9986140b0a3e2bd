// proxy_http_call as Envoy's Context::httpCall does it: the call belongs to the root context,
// is validated (timeout, cluster, required pseudo-headers), gets an id ≡0 mod 4 from the VM, and
// its response (or failure) is delivered later to proxy_on_http_call_response on the root.

import { WasmResult } from '../abi/codes.js';
import { ConstBuffer, toBytes } from '../envoy/buffers.js';
import type { RootContext } from '../contexts/context.js';
import { HeaderMap, type HeaderInput } from '../envoy/headers.js';
import type { Pair } from '../abi/pairs.js';

export interface HttpCalloutRequest {
  readonly cluster: string;
  readonly token: number;
  readonly headers: HeaderMap;
  readonly body: Uint8Array;
  readonly trailers: HeaderMap | null;
  /** 0 means no timeout. */
  readonly timeoutMs: number;
}

export interface HttpCalloutResponse {
  readonly status: number;
  readonly headers?: HeaderInput;
  readonly body?: Uint8Array | string;
  readonly trailers?: HeaderInput;
}

/**
 * What answers callouts to one cluster. Throwing or rejecting is a transport failure: the plugin
 * sees num_headers=0 and proxy_get_status returns 11 (BrokenConnection) "reset".
 */
export type HttpCalloutHandler = (
  request: HttpCalloutRequest,
) => HttpCalloutResponse | Promise<HttpCalloutResponse>;

function mapFromPairs(pairs: readonly Pair[]): HeaderMap {
  const map = new HeaderMap();
  for (const [k, v] of pairs) map.add(k, v);
  return map;
}

function deliver(root: RootContext, token: number, outcome: HttpCalloutResponse | null): void {
  if (root.deleted || !root.pendingCallouts.delete(token)) return;
  if (outcome === null) {
    root.statusCode = WasmResult.BrokenConnection;
    root.statusMessage = 'reset';
    root.onHttpCallResponse(token, 0, 0, 0);
    root.statusMessage = '';
    return;
  }
  const headers = HeaderMap.from(outcome.headers).clone();
  headers.add(':status', String(outcome.status));
  const body = toBytes(outcome.body);
  const trailers = outcome.trailers === undefined ? null : HeaderMap.from(outcome.trailers).clone();
  root.callout = { headers, body: new ConstBuffer(body), trailers };
  root.onHttpCallResponse(token, headers.size, body.length, trailers?.size ?? 0);
  root.callout = null;
}

function send(root: RootContext, handler: HttpCalloutHandler, request: HttpCalloutRequest): void {
  const dispatcher = root.vm.core.dispatcher;
  const post = (outcome: HttpCalloutResponse | null) => dispatcher.post(() => deliver(root, request.token, outcome));
  let result: HttpCalloutResponse | Promise<HttpCalloutResponse>;
  try {
    result = handler(request);
  } catch {
    post(null);
    return;
  }
  if (result instanceof Promise) {
    dispatcher.track(result.then(post, () => post(null)));
  } else {
    post(result);
  }
}

/** Context::httpCall; returns the result code and the token (0 unless Ok). */
export function httpCall(
  root: RootContext,
  cluster: string,
  headerPairs: readonly Pair[],
  body: Uint8Array,
  trailerPairs: readonly Pair[],
  timeoutMs: number,
): { result: WasmResult; token: number } {
  const fail = { result: WasmResult.BadArgument, token: 0 };
  if (timeoutMs < 0) return fail;
  const handler = root.vm.core.clusters.get(cluster);
  if (!handler) return fail;
  const headers = mapFromPairs(headerPairs);
  if (!headers.has(':path') || !headers.has(':method') || !headers.has(':authority')) return fail;
  if (body.length > 0) headers.replace('content-length', String(body.length));
  const trailers = trailerPairs.length > 0 ? mapFromPairs(trailerPairs) : null;
  const token = root.vm.nextHttpCallId();
  root.pendingCallouts.add(token);
  const request: HttpCalloutRequest = { cluster, token, headers, body, trailers, timeoutMs };
  root.vm.addAfterVmCallAction(() => send(root, handler, request));
  return { result: WasmResult.Ok, token };
}
