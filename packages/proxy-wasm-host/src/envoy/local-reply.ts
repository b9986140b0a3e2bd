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

/**
 * Envoy's PercentEncoding::encode for grpc-message: bytes below 0x20, from 0x7e ('~') up, and '%'
 * become %XX (upper case); everything else, spaces included, stays.
 */
export function grpcMessageEncode(text: string): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) {
    out += b < 0x20 || b >= 0x7e || b === 0x25 ? `%${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b);
  }
  return out;
}

/**
 * The response Envoy sends downstream for a local reply (Http::Utility::prepareLocalReply):
 * `:status`, then the plugin's headers (the modify_headers callback), then what Envoy sets on top
 * of them in place — content-length and content-type (text/plain unless the plugin gave one), or
 * for a gRPC request `:status` 200, content-type application/grpc, grpc-status (unless the plugin
 * gave one) and grpc-message, without content-length.
 */
export function encodeLocalReply(reply: LocalReply, request: HeaderMap | null): EncodedResponse {
  const headers = new HeaderMap();
  headers.add(':status', String(reply.status));
  for (const [k, v] of reply.headers) headers.add(k, v);
  const head = request?.get(':method') === 'HEAD';
  if (isGrpcRequest(request)) {
    headers.setInline(':status', '200');
    headers.setInline('content-type', 'application/grpc');
    if (!headers.get('grpc-status')) headers.setInline('grpc-status', String(reply.grpcStatus ?? HTTP_TO_GRPC[reply.status] ?? 2));
    if (reply.body.length > 0 && !head) headers.setInline('grpc-message', grpcMessageEncode(reply.bodyText));
    headers.remove('content-length');
    return { headers, body: new Uint8Array(0), headersOnly: true };
  }
  if (reply.body.length > 0) {
    headers.setInline('content-length', String(reply.body.length));
    if (!headers.has('content-type')) headers.setInline('content-type', 'text/plain');
  } else {
    headers.remove('content-length');
    headers.remove('content-type');
  }
  const headersOnly = reply.body.length === 0 || head;
  return { headers, body: headersOnly ? new Uint8Array(0) : reply.body, headersOnly };
}
