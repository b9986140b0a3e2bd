// Conformance module (G-Core SDK): request and response bodies — the size and end_of_stream of
// every data callback, StopIterationAndBuffer until the end of the stream, reads of the buffered
// body (whole, partial, out of range) and rewrites with set_buffer_bytes (replace, prepend, append).
// Header x-conform-body: "stream" makes the request side pass data through (Continue) instead.

export * from "@gcoredev/proxy-wasm-sdk-as/assembly/proxy";
import {
  FilterDataStatusValues,
  FilterHeadersStatusValues,
  registerRootContext,
} from "@gcoredev/proxy-wasm-sdk-as/assembly";
import { bufferBytes, bufferStatus, header, removeHeader, setBuffer, trace } from "./trace";
import { REQ, REQ_BODY, RESP, RESP_BODY, StreamRoot, traceData, TracedStream, traceHeaders } from "./stream";

class BodyStream extends TracedStream {
  streaming: bool = false;

  onRequestHeaders(count: u32, end_of_stream: bool): FilterHeadersStatusValues {
    traceHeaders("request_headers", this.context_id, count, end_of_stream);
    this.streaming = header(REQ, "x-conform-body") == "r=0 'stream'";
    // The body changes size: the length goes (the upstream gets it chunked).
    trace("  remove content-length " + removeHeader(REQ, "content-length"));
    trace("  request body " + bufferBytes(REQ_BODY, 0, 100));
    return FilterHeadersStatusValues.Continue;
  }

  onRequestBody(size: usize, end_of_stream: bool): FilterDataStatusValues {
    traceData("request_body", this.context_id, size, end_of_stream);
    trace("  status " + bufferStatus(REQ_BODY));
    trace("  all " + bufferBytes(REQ_BODY, 0, <u32>size));
    trace("  [1,+2) " + bufferBytes(REQ_BODY, 1, 2));
    trace("  [size,+5) " + bufferBytes(REQ_BODY, <u32>size, 5));
    trace("  [size+1,+1) " + bufferBytes(REQ_BODY, <u32>size + 1, 1));
    trace("  response body " + bufferBytes(RESP_BODY, 0, 10));
    if (this.streaming) {
      if (size > 0) trace("  replace first byte " + setBuffer(REQ_BODY, 0, 1, "#"));
      return FilterDataStatusValues.Continue;
    }
    if (!end_of_stream) return FilterDataStatusValues.StopIterationAndBuffer;
    trace("  prepend " + setBuffer(REQ_BODY, 0, 0, "<"));
    trace("  append " + setBuffer(REQ_BODY, <u32>size + 1, 0, ">"));
    trace("  all " + bufferBytes(REQ_BODY, 0, 1000));
    return FilterDataStatusValues.Continue;
  }

  onResponseHeaders(count: u32, end_of_stream: bool): FilterHeadersStatusValues {
    traceHeaders("response_headers", this.context_id, count, end_of_stream);
    trace("  remove content-length " + removeHeader(RESP, "content-length"));
    return FilterHeadersStatusValues.Continue;
  }

  onResponseBody(size: usize, end_of_stream: bool): FilterDataStatusValues {
    traceData("response_body", this.context_id, size, end_of_stream);
    trace("  status " + bufferStatus(RESP_BODY));
    trace("  [0,+12) " + bufferBytes(RESP_BODY, 0, 12));
    trace("  request body " + bufferBytes(REQ_BODY, 0, 10));
    if (!end_of_stream) return FilterDataStatusValues.StopIterationAndBuffer;
    // What the upstream received (it echoes the request; its closing newline left out, so that
    // the line stays readable), before the client's view is rewritten.
    trace("  upstream saw " + bufferBytes(RESP_BODY, 0, <u32>size - 1));
    trace("  replace all " + setBuffer(RESP_BODY, 0, <u32>size, "rewritten:" + size.toString()));
    trace("  all " + bufferBytes(RESP_BODY, 0, 1000));
    return FilterDataStatusValues.Continue;
  }

  onLog(): void {
    trace("log " + this.context_id.toString());
    trace("  request body " + bufferBytes(REQ_BODY, 0, 10));
    trace("  response body " + bufferBytes(RESP_BODY, 0, 10));
  }
}

registerRootContext((context_id: u32) => {
  return new StreamRoot<BodyStream>(context_id);
}, "conform");
