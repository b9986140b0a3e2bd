// Test-only proxy-wasm module that exercises the SDK surface the filters do not use: http calls
// (response routed back to the calling stream), shared data with CAS, ticks, gauges and
// histograms, typed properties, absent values, and local replies from a callback.
import {
  ByteBuf, Counter, currentTimeNanos, Gauge, getHeader, getHttpCallResponseBody, getHttpCallResponseHeaders,
  getProperty, getPropertyBool, getPropertyInt, getRequestHeader, getSharedData, getStatus, HeadersStatus, Histogram,
  httpCall, HttpContext, logInfo, MapType, PairsReader, PairsWriter, PropertyPath, registerRootContext,
  replaceRequestHeader, RootContext, sendLocalResponse, setSharedData, setTickPeriod, sharedDataCas, Status,
  StreamType, continueStream,
} from "../../../assembly/sdk";

export * from "../../../assembly/sdk/exports";

const PATH = ByteBuf.fromString(":path");
const CLUSTER = ByteBuf.fromString("upstream");
const BROKEN_CLUSTER = ByteBuf.fromString("broken");
const MISSING_CLUSTER = ByteBuf.fromString("no-such-cluster");
const TICKS_KEY = ByteBuf.fromString("probe/ticks");
const RESULT = ByteBuf.fromString("x-probe");
const STATUS = ByteBuf.fromString(":status");
const SOURCE_PORT = PropertyPath.of(["source", "port"]);
const MTLS = PropertyPath.of(["connection", "mtls"]);
const WORKLOAD = PropertyPath.nodeMetadata("meshguard.io/workload");
const ROOT_ID = PropertyPath.of(["plugin_root_id"]);
const NOWHERE = PropertyPath.of(["no", "such", "property"]);

const path = new ByteBuf(64);
const value = new ByteBuf(64);
const out = new ByteBuf(128);
const pairs = new ByteBuf(256);
const reader = new PairsReader();
const writer = new PairsWriter();

class ProbeRoot extends RootContext {
  ticks: Counter | null = null;

  onConfigure(size: u32): bool {
    this.ticks = new Counter("probe_ticks");
    new Gauge("probe_gauge").set(7);
    new Histogram("probe_histogram").record(5);
    setTickPeriod(1000);
    logInfo("probe: configured at " + (currentTimeNanos() > 0 ? "a time" : "no time"));
    return true;
  }

  onTick(): void {
    this.ticks!.increment();
    getSharedData(TICKS_KEY, value);
    const cas = sharedDataCas();
    const count = value.length == 0 ? 0 : <i32>value.at(0);
    value.clear();
    value.push(<u8>(count + 1));
    setSharedData(TICKS_KEY, value, cas);
  }

  newHttpContext(contextId: u32): HttpContext | null {
    return new ProbeStream(contextId, this);
  }
}

function reply(status: u32, body: ByteBuf): HeadersStatus {
  sendLocalResponse(status, ByteBuf.fromString("probe"), body, null);
  return HeadersStatus.StopIteration;
}

class ProbeStream extends HttpContext {
  onRequestHeaders(numHeaders: u32, endOfStream: bool): HeadersStatus {
    getRequestHeader(PATH, path);
    const p = path.toString();
    if (p == "/call" || p == "/call-broken" || p == "/call-missing") {
      writer.clear();
      writer.addBuf(ByteBuf.fromString(":method"), ByteBuf.fromString("GET"));
      writer.addBuf(ByteBuf.fromString(":path"), ByteBuf.fromString("/lookup"));
      writer.addBuf(ByteBuf.fromString(":authority"), ByteBuf.fromString("upstream"));
      const cluster = p == "/call" ? CLUSTER : p == "/call-broken" ? BROKEN_CLUSTER : MISSING_CLUSTER;
      const id = httpCall(cluster, writer, ByteBuf.fromString("q"), null, 1000);
      if (id == 0) return reply(503, ByteBuf.fromString("call refused"));
      return HeadersStatus.StopIteration;
    }
    if (p == "/props") {
      out.setString("port=");
      out.appendDecimal(<u64>getPropertyInt(SOURCE_PORT, -1));
      out.appendString(getPropertyBool(MTLS, false) ? " mtls" : " plain");
      out.appendString(" workload=");
      getProperty(WORKLOAD, value);
      out.appendBuf(value);
      out.appendString(" root=");
      getProperty(ROOT_ID, value);
      out.appendBuf(value);
      replaceRequestHeader(RESULT, out);
      return HeadersStatus.Continue;
    }
    if (p == "/trap") throw new Error("probe trap");
    if (p == "/absent") {
      const absent = !getProperty(NOWHERE, value) && getPropertyInt(NOWHERE, -5) == -5 &&
        !getHeader(MapType.HttpRequestHeaders, ByteBuf.fromString("x-none"), value);
      return reply(absent ? 200 : 500, ByteBuf.fromString(absent ? "absent" : "present"));
    }
    if (p == "/ticks") {
      getSharedData(TICKS_KEY, value);
      out.setString("ticks=");
      out.appendDecimal(value.length == 0 ? 0 : <u64>value.at(0));
      out.appendString(" cas-stale=");
      out.appendString(setSharedData(TICKS_KEY, value, sharedDataCas() + 1000) == Status.CasMismatch ? "mismatch" : "written");
      replaceRequestHeader(RESULT, out);
      return HeadersStatus.Continue;
    }
    return HeadersStatus.Continue;
  }

  onHttpCallResponse(callId: u32, numHeaders: u32, bodySize: u32, numTrailers: u32): void {
    out.setString("context=");
    out.appendDecimal(this.id);
    if (numHeaders == 0) {
      out.appendString(" failed status=");
      out.appendDecimal(getStatus(value));
      out.appendString(" ");
      out.appendBuf(value);
    } else {
      getHttpCallResponseHeaders(pairs);
      reader.reset(pairs);
      while (reader.next()) {
        if (STATUS.equalsRaw(reader.keyPtr, reader.keyLength)) {
          out.appendString(" status=");
          out.append(reader.valuePtr, reader.valueLength);
        }
      }
      getHttpCallResponseBody(bodySize, value);
      out.appendString(" body=");
      out.appendBuf(value);
    }
    replaceRequestHeader(RESULT, out);
    continueStream(StreamType.HttpRequest);
  }
}

registerRootContext((contextId: u32): RootContext => new ProbeRoot(contextId));
