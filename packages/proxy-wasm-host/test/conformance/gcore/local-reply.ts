// Conformance module (G-Core SDK): send_local_response from the request and the response side —
// its result, which callbacks follow (the filter encodes its own reply), what they see (status,
// added headers, the body), what on_log reads (response.code, response.code_details) and what
// the client gets. The path picks the case:
//   /deny       403 with a body and an extra header, from on_request_headers
//   /empty      204 without a body
//   /grpc       gRPC status 7 (the request is gRPC: Envoy answers trailers-only)
//   /grpc-chars no gRPC status given (Envoy derives it from the HTTP code); a message to percent-encode
//   /typed      the plugin's own content-type and a wrong content-length among its headers
//   /late       502 from on_response_headers (the upstream's response is replaced)
//   anything else passes.

export * from "@gcoredev/proxy-wasm-sdk-as/assembly/proxy";
import {
  FilterDataStatusValues,
  FilterHeadersStatusValues,
  GrpcStatusValues,
  makeHeaderPair,
  registerRootContext,
  send_local_response,
} from "@gcoredev/proxy-wasm-sdk-as/assembly";
import { bufferBytes, header, pairs, prop, trace } from "./trace";
import { REQ, RESP, RESP_BODY, StreamRoot, traceData, TracedStream, traceHeaders } from "./stream";

class ReplyStream extends TracedStream {
  path: string = "";

  onRequestHeaders(count: u32, end_of_stream: bool): FilterHeadersStatusValues {
    traceHeaders("request_headers", this.context_id, count, end_of_stream);
    const p = header(REQ, ":path");
    this.path = p.startsWith("r=0 '") ? p.substring(5, p.length - 1) : "";
    let r: i32 = -1;
    if (this.path == "/deny") {
      r = send_local_response(403, "conform denied", String.UTF8.encode("denied by conform\n"),
        [makeHeaderPair("x-conform-reason", "deny"), makeHeaderPair("x-conform-second", "2")], GrpcStatusValues.InvalidCode);
    } else if (this.path == "/empty") {
      r = send_local_response(204, "conform_empty", new ArrayBuffer(0), [], GrpcStatusValues.InvalidCode);
    } else if (this.path == "/grpc") {
      r = send_local_response(403, "conform_grpc", String.UTF8.encode("no grpc for you"), [], GrpcStatusValues.PermissionDenied);
    } else if (this.path == "/grpc-chars") {
      r = send_local_response(503, "conform_grpc_chars", String.UTF8.encode("50% off ~ caf\u00e9\t!"),
        [makeHeaderPair("x-conform-extra", "e")], GrpcStatusValues.InvalidCode);
    } else if (this.path == "/typed") {
      r = send_local_response(200, "conform_typed", String.UTF8.encode("{}"),
        [makeHeaderPair("content-type", "application/json"), makeHeaderPair("content-length", "999")], GrpcStatusValues.InvalidCode);
    }
    if (r >= 0) {
      trace("  send_local_response r=" + r.toString());
      trace("  after: request pairs " + pairs(REQ));
      trace("  after: response pairs " + pairs(RESP));
    }
    return FilterHeadersStatusValues.Continue;
  }

  onRequestBody(size: usize, end_of_stream: bool): FilterDataStatusValues {
    traceData("request_body", this.context_id, size, end_of_stream);
    return FilterDataStatusValues.Continue;
  }

  onResponseHeaders(count: u32, end_of_stream: bool): FilterHeadersStatusValues {
    traceHeaders("response_headers", this.context_id, count, end_of_stream);
    trace("  pairs " + pairs(RESP));
    trace("  response.code " + prop("response.code", true));
    trace("  response.code_details " + prop("response.code_details"));
    if (this.path == "/late") {
      const r = send_local_response(502, "conform late", String.UTF8.encode("replaced by conform"),
        [makeHeaderPair("x-conform-late", "1")], GrpcStatusValues.InvalidCode);
      trace("  send_local_response r=" + r.toString());
    }
    return FilterHeadersStatusValues.Continue;
  }

  onResponseBody(size: usize, end_of_stream: bool): FilterDataStatusValues {
    traceData("response_body", this.context_id, size, end_of_stream);
    trace("  body " + bufferBytes(RESP_BODY, 0, 100));
    return FilterDataStatusValues.Continue;
  }

  onLog(): void {
    trace("log " + this.context_id.toString());
    trace("  response.code " + prop("response.code", true));
    trace("  response.code_details " + prop("response.code_details"));
    trace("  response.flags " + prop("response.flags", true));
    trace("  response.grpc_status " + prop("response.grpc_status", true));
  }
}

registerRootContext((context_id: u32) => {
  return new StreamRoot<ReplyStream>(context_id);
}, "conform");
