// Conformance module (G-Core SDK): shared data (get before set, set with and without CAS, a stale
// CAS, values and CAS numbers seen by later requests) and metrics (define per type, increment and
// record per type, get, unknown ids), every result code and value in the trace.

export * from "@gcoredev/proxy-wasm-sdk-as/assembly/proxy";
import {
  Context,
  FilterHeadersStatusValues,
  RootContext,
  get_shared_data,
  registerRootContext,
  set_shared_data,
} from "@gcoredev/proxy-wasm-sdk-as/assembly";
import * as imports from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { show, trace } from "./trace";
import { TracedStream } from "./stream";

const out = memory.data(8);

function define(type: i32, name: string): u32 {
  const n = String.UTF8.encode(name);
  const r = imports.proxy_define_metric(type, changetype<usize>(n), n.byteLength, out);
  const id = load<u32>(out);
  trace("  define " + type.toString() + " " + name + " r=" + r.toString() + (r == 0 ? " id=" + id.toString() : ""));
  return r == 0 ? id : 0;
}

function getMetric(label: string, id: u32): void {
  const r = imports.proxy_get_metric(id, out);
  trace("  get " + label + " r=" + r.toString() + (r == 0 ? " value=" + load<u64>(out).toString() : ""));
}

function shared(label: string, key: string): u32 {
  const g = get_shared_data(key);
  if (g.result != 0) {
    trace("  get " + label + " r=" + g.result.toString());
    return 0;
  }
  trace("  get " + label + " r=0 value=" + show(g.value as ArrayBuffer) + " cas=" + g.cas.toString());
  return g.cas;
}

let counter: u32 = 0;
let gauge: u32 = 0;
let histogram: u32 = 0;

class SharedRoot extends RootContext {
  onConfigure(size: u32): bool {
    trace("configure " + this.context_id.toString());
    counter = define(0, "conform_requests");
    gauge = define(1, "conform_inflight");
    histogram = define(2, "conform_sizes");
    define(0, "conform_requests");
    define(3, "conform_bad_type");
    return true;
  }

  createContext(context_id: u32): Context {
    return new SharedStream(context_id, this);
  }
}

class SharedStream extends TracedStream {
  onRequestHeaders(count: u32, end_of_stream: bool): FilterHeadersStatusValues {
    trace("request_headers " + this.context_id.toString());
    trace("  counter +1 r=" + imports.proxy_increment_metric(counter, 1).toString());
    trace("  counter +0 r=" + imports.proxy_increment_metric(counter, 0).toString());
    trace("  counter -1 r=" + imports.proxy_increment_metric(counter, -1).toString());
    trace("  counter record 10 r=" + imports.proxy_record_metric(counter, 10).toString());
    getMetric("counter", counter);
    trace("  gauge +5 r=" + imports.proxy_increment_metric(gauge, 5).toString());
    trace("  gauge -2 r=" + imports.proxy_increment_metric(gauge, -2).toString());
    getMetric("gauge", gauge);
    trace("  gauge record 7 r=" + imports.proxy_record_metric(gauge, 7).toString());
    getMetric("gauge", gauge);
    trace("  histogram record 42 r=" + imports.proxy_record_metric(histogram, 42).toString());
    trace("  histogram +1 r=" + imports.proxy_increment_metric(histogram, 1).toString());
    getMetric("histogram", histogram);
    getMetric("unknown", 12345);
    trace("  unknown +1 r=" + imports.proxy_increment_metric(12345, 1).toString());

    const first = shared("absent", "conform_absent");
    trace("  (cas " + first.toString() + ")");
    const cas0 = shared("key", "conform_key");
    trace("  set key cas=0 r=" + set_shared_data("conform_key", String.UTF8.encode("v" + this.context_id.toString()), 0).toString());
    const cas1 = shared("key", "conform_key");
    trace("  set key stale cas r=" + set_shared_data("conform_key", String.UTF8.encode("stale"), cas1 + 1000).toString());
    trace("  set key old cas r=" + set_shared_data("conform_key", String.UTF8.encode("old"), cas0 == 0 ? cas1 + 1 : cas0).toString());
    trace("  set key cas r=" + set_shared_data("conform_key", String.UTF8.encode("w" + this.context_id.toString()), cas1).toString());
    shared("key", "conform_key");
    trace("  set empty key r=" + set_shared_data("", String.UTF8.encode("e"), 0).toString());
    shared("empty key", "");
    return FilterHeadersStatusValues.Continue;
  }
}

registerRootContext((context_id: u32) => {
  return new SharedRoot(context_id);
}, "conform");
