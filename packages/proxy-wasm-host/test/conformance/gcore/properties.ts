// Conformance module (G-Core SDK): get_property / set_property in each stream callback — request
// attributes, the downstream connection, the plugin, the node, the route, the upstream (once it is
// there) and the response, with their result codes and encodings (ints as u64 LE, strings raw).

export * from "@gcoredev/proxy-wasm-sdk-as/assembly/proxy";
import {
  FilterDataStatusValues,
  FilterHeadersStatusValues,
  registerRootContext,
} from "@gcoredev/proxy-wasm-sdk-as/assembly";
import { prop, setProp, trace } from "./trace";
import { StreamRoot, traceData, TracedStream } from "./stream";

const STRINGS: string[] = [
  "request.path", "request.url_path", "request.host", "request.scheme", "request.method",
  "request.protocol", "request.referer", "request.useragent", "request.id", "request.query",
  "request.headers.x-conform", "request.headers.absent",
  "source.address", "destination.address",
  "connection.requested_server_name", "connection.tls_version", "connection.uri_san_peer_certificate",
  "connection.subject_peer_certificate",
  "plugin_name", "plugin_root_id", "plugin_vm_id",
  "xds.node.id", "xds.node.cluster", "xds.cluster_name", "xds.route_name",
  "upstream.address", "response.code_details", "response.headers.x-upstream",
  "no.such.property", "conform_mark",
];
const INTS: string[] = [
  "request.size", "source.port", "destination.port", "connection.mtls", "upstream.port",
  "response.code", "response.flags",
];

function dump(phase: string, id: u32): void {
  trace(phase + " " + id.toString());
  for (let i = 0; i < STRINGS.length; i++) trace("  " + STRINGS[i] + " " + prop(STRINGS[i]));
  for (let i = 0; i < INTS.length; i++) trace("  " + INTS[i] + " " + prop(INTS[i], true));
}

class PropertiesStream extends TracedStream {
  onRequestHeaders(count: u32, end_of_stream: bool): FilterHeadersStatusValues {
    dump("request_headers", this.context_id);
    trace("  set conform_mark " + setProp("conform_mark", "from-request"));
    trace("  conform_mark " + prop("conform_mark"));
    return FilterHeadersStatusValues.Continue;
  }

  onRequestBody(size: usize, end_of_stream: bool): FilterDataStatusValues {
    traceData("request_body", this.context_id, size, end_of_stream);
    trace("  request.size " + prop("request.size", true));
    return FilterDataStatusValues.Continue;
  }

  onResponseHeaders(count: u32, end_of_stream: bool): FilterHeadersStatusValues {
    dump("response_headers", this.context_id);
    return FilterHeadersStatusValues.Continue;
  }

  onLog(): void {
    dump("log", this.context_id);
    trace("  request.total_size " + prop("request.total_size", true));
  }
}

registerRootContext((context_id: u32) => {
  return new StreamRoot<PropertiesStream>(context_id);
}, "conform");
