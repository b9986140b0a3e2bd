// Conformance module (G-Core SDK): request and response header callbacks — what the filter is
// given (counts, end_of_stream, values, the whole map) and what add/replace/remove return and do.

export * from "@gcoredev/proxy-wasm-sdk-as/assembly/proxy";
import {
  FilterHeadersStatusValues,
  FilterTrailersStatusValues,
  registerRootContext,
} from "@gcoredev/proxy-wasm-sdk-as/assembly";
import { addHeader, header, mapSize, pairs, removeHeader, replaceHeader, trace } from "./trace";
import { REQ, REQ_TRAILERS, RESP, RESP_TRAILERS, StreamRoot, TracedStream, traceHeaders } from "./stream";

class HeadersStream extends TracedStream {
  onRequestHeaders(count: u32, end_of_stream: bool): FilterHeadersStatusValues {
    traceHeaders("request_headers", this.context_id, count, end_of_stream);
    trace("  pairs " + pairs(REQ));
    trace("  size " + mapSize(REQ));
    trace("  get :method " + header(REQ, ":method"));
    trace("  get :path " + header(REQ, ":path"));
    trace("  get :authority " + header(REQ, ":authority"));
    trace("  get x-conform-multi " + header(REQ, "x-conform-multi"));
    trace("  get X-Conform-Case " + header(REQ, "X-Conform-Case"));
    trace("  get x-absent " + header(REQ, "x-absent"));
    trace("  add x-conform-added " + addHeader(REQ, "x-conform-added", "one"));
    trace("  add x-conform-added " + addHeader(REQ, "x-conform-added", "two"));
    trace("  add X-Conform-Upper " + addHeader(REQ, "X-Conform-Upper", "v"));
    trace("  replace x-conform-multi " + replaceHeader(REQ, "x-conform-multi", "replaced"));
    trace("  replace x-conform-new " + replaceHeader(REQ, "x-conform-new", "created"));
    trace("  remove x-conform-remove " + removeHeader(REQ, "x-conform-remove"));
    trace("  remove x-absent " + removeHeader(REQ, "x-absent"));
    trace("  get x-conform-added " + header(REQ, "x-conform-added"));
    trace("  pairs " + pairs(REQ));
    trace("  response pairs " + pairs(RESP));
    trace("  request trailers " + pairs(REQ_TRAILERS));
    return FilterHeadersStatusValues.Continue;
  }

  onRequestTrailers(count: u32): FilterTrailersStatusValues {
    trace("request_trailers " + this.context_id.toString() + " count=" + count.toString());
    trace("  pairs " + pairs(REQ_TRAILERS));
    trace("  add x-conform-trailer " + addHeader(REQ_TRAILERS, "x-conform-trailer", "t"));
    return FilterTrailersStatusValues.Continue;
  }

  onResponseHeaders(count: u32, end_of_stream: bool): FilterHeadersStatusValues {
    traceHeaders("response_headers", this.context_id, count, end_of_stream);
    trace("  pairs " + pairs(RESP));
    trace("  size " + mapSize(RESP));
    trace("  get :status " + header(RESP, ":status"));
    trace("  request pairs " + pairs(REQ));
    trace("  add x-conform-resp " + addHeader(RESP, "x-conform-resp", "added"));
    trace("  replace x-upstream " + replaceHeader(RESP, "x-upstream", "replaced"));
    trace("  remove x-upstream-remove " + removeHeader(RESP, "x-upstream-remove"));
    trace("  pairs " + pairs(RESP));
    return FilterHeadersStatusValues.Continue;
  }

  onResponseTrailers(count: u32): FilterTrailersStatusValues {
    trace("response_trailers " + this.context_id.toString() + " count=" + count.toString());
    trace("  pairs " + pairs(RESP_TRAILERS));
    return FilterTrailersStatusValues.Continue;
  }

  onLog(): void {
    trace("log " + this.context_id.toString());
    trace("  request pairs " + pairs(REQ));
    trace("  response pairs " + pairs(RESP));
    trace("  add x-in-log " + addHeader(RESP, "x-in-log", "1"));
  }

  onDone(): bool {
    trace("done " + this.context_id.toString());
    return true;
  }
}

registerRootContext((context_id: u32) => {
  return new StreamRoot<HeadersStream>(context_id);
}, "conform");
