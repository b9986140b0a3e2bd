// Outgoing HTTP calls (proxy_http_call). Envoy issues the call from the root context and calls
// proxy_on_http_call_response on the root; the dispatcher routes it back to the calling
// context (after proxy_set_effective_context, as the Rust and Go SDKs do).
// Envoy requires :method, :path and :authority in the headers and a known cluster `upstream`.
import { proxy_http_call } from "./abi/imports";
import { outPtr, outU32 } from "./abi/memory";
import { ByteBuf } from "./bytes";
import { recordCallout } from "./dispatcher";
import { getBufferBytes } from "./buffers";
import { getHeaderPairs } from "./headers";
import { PairsWriter } from "./pairs";
import { BufferType, MapType, Status } from "./types";

const empty = new ByteBuf(4);

/** Starts a call; returns its id (Envoy: ≡ 0 mod 4, from 4), or 0 when the host refused it. */
export function httpCall(
  upstream: ByteBuf, headers: PairsWriter, body: ByteBuf | null, trailers: PairsWriter | null, timeoutMs: u32,
): u32 {
  const h = headers.serialize();
  const headersPtr = h.ptr;
  const headersSize = h.length;
  const b = body !== null ? body : empty;
  let trailersPtr: usize = 0;
  let trailersSize: i32 = 0;
  if (trailers !== null && trailers.count > 0) {
    const t = trailers.serialize();
    trailersPtr = t.ptr;
    trailersSize = t.length;
  }
  const status = proxy_http_call(
    upstream.ptr, <usize>upstream.length, headersPtr, <usize>headersSize, b.ptr, <usize>b.length,
    trailersPtr, <usize>trailersSize, timeoutMs, outPtr(2),
  );
  if (status != Status.Ok) return 0;
  const callId = outU32(2);
  recordCallout(callId);
  return callId;
}

/** Inside onHttpCallResponse: the response headers, serialized (read with PairsReader). */
export function getHttpCallResponseHeaders(out: ByteBuf): bool {
  return getHeaderPairs(MapType.HttpCallResponseHeaders, out);
}

/** Inside onHttpCallResponse: the response body. */
export function getHttpCallResponseBody(bodySize: u32, out: ByteBuf): bool {
  if (bodySize == 0) {
    out.clear();
    return true;
  }
  return getBufferBytes(BufferType.HttpCallResponseBody, 0, bodySize, out);
}
