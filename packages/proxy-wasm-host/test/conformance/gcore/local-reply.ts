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
  Context,
  FilterDataStatusValues,
  FilterHeadersStatusValues,
  GrpcStatusValues,
  RootContext,
  makeHeaderPair,
  registerRootContext,
  send_local_response,
} from "@gcoredev/proxy-wasm-sdk-as/assembly";
import { bufferBytes, header, pairs, prop, trace } from "./trace";

const REQ: u32 = 0;
const RESP: u32 = 2;
const RESP_BODY: u32 = 1;

class ReplyRoot extends RootContext {
  createContext(context_id: u32): Context {
    return new ReplyStream(context_id, this);
  }
}

class ReplyStream extends Context {
  path: string = "";

  constructor(context_id: u32, root: RootContext) {
    super(context_id, root);
  }

  onRequestHeaders(count: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const id = this.context_id.toString();
    trace("request_headers " + id + " count=" + count.toString() + " eos=" + (end_of_stream ? "1" : "0"));
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
    trace("request_body " + this.context_id.toString() + " size=" + size.toString() + " eos=" + (end_of_stream ? "1" : "0"));
    return FilterDataStatusValues.Continue;
  }

  onResponseHeaders(count: u32, end_of_stream: bool): FilterHeadersStatusValues {
    trace("response_headers " + this.context_id.toString() + " count=" + count.toString() + " eos=" + (end_of_stream ? "1" : "0"));
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
    trace("response_body " + this.context_id.toString() + " size=" + size.toString() + " eos=" + (end_of_stream ? "1" : "0"));
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

  onDelete(): void {
    trace("delete " + this.context_id.toString());
  }
}

registerRootContext((context_id: u32) => {
  return new ReplyRoot(context_id);
}, "conform");
