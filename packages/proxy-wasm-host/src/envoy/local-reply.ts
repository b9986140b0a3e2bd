// proxy_send_local_response as Envoy applies it: details get whitespace replaced, headers are
// lower-cased, a grpc_status outside 0..16 means "no grpc-status", and the reply Envoy encodes
// (Http::Utility::sendLocalReply) is a plain-text response or, for gRPC requests, a
// headers-only response carrying grpc-status / grpc-message.

import { GRPC_STATUS_MAX, GRPC_UNAVAILABLE } from '../abi/codes.js';
import { HeaderMap, asciiLower } from './headers.js';
import type { Pair } from '../abi/pairs.js';

export interface LocalReplyInput {
  readonly status: number;
  readonly body: Uint8Array;
  readonly headers: readonly Pair[];
  readonly details: string;
  /** The raw grpc_status argument (u32; SDKs pass -1 = 0xffffffff for "none"). */
  readonly grpcStatus: number;
}

export interface LocalReply {
  readonly status: number;
  readonly body: Uint8Array;
  readonly bodyText: string;
  /** Additional headers, keys lower-cased. */
  readonly headers: readonly (readonly [string, string])[];
  /** Response code details, whitespace replaced by '_'. */
  readonly details: string;
  /** null when the plugin passed a value outside 0..16. */
  readonly grpcStatus: number | null;
}

export function makeLocalReply(input: LocalReplyInput): LocalReply {
  const grpc = input.grpcStatus >>> 0;
  return {
    status: input.status >>> 0,
    body: input.body,
    bodyText: Buffer.from(input.body.buffer, input.body.byteOffset, input.body.length).toString('utf8'),
    headers: input.headers.map(([k, v]) => [asciiLower(k), v] as const),
    details: input.details.replace(/[ \t\n\v\f\r]/g, '_'),
    grpcStatus: grpc <= GRPC_STATUS_MAX ? grpc : null,
  };
}

export function failStreamReply(): LocalReply {
  return {
    status: 503,
    body: new Uint8Array(0),
    bodyText: '',
    headers: [],
    details: 'wasm_fail_stream',
    grpcStatus: GRPC_UNAVAILABLE,
  };
}

const HTTP_TO_GRPC: Record<number, number> = { 400: 13, 401: 16, 403: 7, 404: 12, 429: 14, 502: 14, 503: 14, 504: 14 };

function isGrpcRequest(request: HeaderMap | null): boolean {
  return request?.get('content-type')?.startsWith('application/grpc') ?? false;
}

export interface EncodedResponse {
  readonly headers: HeaderMap;
  readonly body: Uint8Array;
  /** True when the response is headers-only. */
  readonly headersOnly: boolean;
}

/** The response Envoy sends downstream for a local reply. */
export function encodeLocalReply(reply: LocalReply, request: HeaderMap | null): EncodedResponse {
  const headers = new HeaderMap();
  if (isGrpcRequest(request)) {
    headers.add(':status', '200');
    headers.add('content-type', 'application/grpc');
    const code = reply.grpcStatus ?? HTTP_TO_GRPC[reply.status] ?? 2;
    headers.add('grpc-status', String(code));
    if (reply.body.length > 0) headers.add('grpc-message', encodeURIComponent(reply.bodyText));
    for (const [k, v] of reply.headers) headers.add(k, v);
    return { headers, body: new Uint8Array(0), headersOnly: true };
  }
  headers.add(':status', String(reply.status));
  if (reply.body.length > 0) {
    headers.add('content-length', String(reply.body.length));
    headers.add('content-type', 'text/plain');
  }
  for (const [k, v] of reply.headers) headers.add(k, v);
  const headersOnly = reply.body.length === 0 || request?.get(':method') === 'HEAD';
  return { headers, body: headersOnly ? new Uint8Array(0) : reply.body, headersOnly };
}
