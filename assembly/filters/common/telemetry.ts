// Telemetry from the filters: compact observations, one JSON object per line (the control plane's
// FilterObservation: workload, source, method, path, status, score), batched per root context and
// POSTed with proxy_http_call to the admin `/telemetry` endpoint through an Envoy cluster.
// A batch is sent when it is full or on the tick; a call that fails (reset, non-2xx, refused, or
// too many in flight) drops its batch and counts the observations in meshguard_telemetry_dropped.
import {
  ByteBuf, Counter, getHttpCallResponseHeaders, httpCall, logWarn, PairsReader, PairsWriter, setTickPeriod,
} from "../../sdk";
import { FilterTelemetry } from "./config_generated";

const MAX_IN_FLIGHT: i32 = 8;
const MAX_BATCH_BYTES: i32 = 256 * 1024;
const CALL_TIMEOUT_MS: u32 = 5000;
const STATUS = ByteBuf.fromString(":status");

function appendJsonString(out: ByteBuf, src: usize, size: i32): void {
  out.push(34);
  for (let i = 0; i < size; i++) {
    const c = <u32>load<u8>(src + <usize>i);
    if (c == 34 || c == 92) {
      out.push(92);
      out.push(<u8>c);
    } else if (c < 0x20) {
      out.appendString("\\u00");
      out.push(<u8>(c < 16 ? 48 : 49));
      const d = c & 15;
      out.push(<u8>(d < 10 ? 48 + d : 87 + d));
    } else out.push(<u8>c);
  }
  out.push(34);
}

export class TelemetryBatcher {
  private batch: ByteBuf = new ByteBuf(4096);
  private count: i32 = 0;
  private headers: PairsWriter = new PairsWriter();
  private inFlight: Map<u32, i32> = new Map<u32, i32>();
  private dropped: Counter;
  private workload: ByteBuf;
  private responseHeaders: ByteBuf = new ByteBuf(256);
  private pairs: PairsReader = new PairsReader();
  private cluster: ByteBuf;
  private maxBatch: i32;

  /** `config`: the configuration's `telemetry` section, as the generated reader checked it. */
  constructor(config: FilterTelemetry, workload: string) {
    this.workload = ByteBuf.fromString(workload);
    this.cluster = ByteBuf.fromString(config.cluster);
    this.maxBatch = <i32>config.maxBatch;
    this.dropped = new Counter("meshguard_telemetry_dropped");
    const h = this.headers;
    const method = ByteBuf.fromString("POST");
    h.addBuf(ByteBuf.fromString(":method"), method);
    h.addBuf(ByteBuf.fromString(":path"), ByteBuf.fromString(config.path));
    h.addBuf(ByteBuf.fromString(":authority"), ByteBuf.fromString(config.authority));
    h.addBuf(ByteBuf.fromString("content-type"), ByteBuf.fromString("application/x-ndjson"));
    setTickPeriod(<u32>config.flushMs);
  }

  /** Queues one observation; `score` < 0 means "not scored" (the field is left out); `hits` comma-separated. */
  add(source: ByteBuf, method: ByteBuf, path: ByteBuf, status: u32, score: f64, hits: ByteBuf | null = null): void {
    const b = this.batch;
    b.appendString("{\"workload\":");
    appendJsonString(b, this.workload.ptr, this.workload.length);
    if (source.length > 0) {
      b.appendString(",\"source\":");
      appendJsonString(b, source.ptr, source.length);
    }
    b.appendString(",\"method\":");
    appendJsonString(b, method.ptr, method.length);
    b.appendString(",\"path\":");
    appendJsonString(b, path.ptr, path.length);
    b.appendString(",\"status\":");
    b.appendDecimal(<u64>status);
    if (score >= 0) {
      b.appendString(",\"score\":");
      appendNumber(b, score);
    }
    if (hits !== null && hits.length > 0) {
      b.appendString(",\"hits\":");
      appendJsonString(b, hits.ptr, hits.length);
    }
    b.appendString("}\n");
    this.count++;
    if (this.count >= this.maxBatch || b.length >= MAX_BATCH_BYTES) this.flush();
  }

  /** Sends what is queued (on a full batch and on every tick). */
  flush(): void {
    const n = this.count;
    if (n == 0) return;
    this.count = 0;
    if (this.inFlight.size >= MAX_IN_FLIGHT) {
      this.drop(n, "too many telemetry calls in flight");
    } else {
      const id = httpCall(this.cluster, this.headers, this.batch, null, CALL_TIMEOUT_MS);
      if (id == 0) this.drop(n, "the host refused the telemetry call (unknown cluster?)");
      else this.inFlight.set(id, n);
    }
    this.batch.clear();
  }

  /** Call from onHttpCallResponse; false when the call was not a telemetry call. */
  onResponse(callId: u32, numHeaders: u32): bool {
    if (!this.inFlight.has(callId)) return false;
    const n = this.inFlight.get(callId);
    this.inFlight.delete(callId);
    if (numHeaders == 0) this.drop(n, "telemetry call failed");
    else if (!this.succeeded()) this.drop(n, "telemetry endpoint answered with an error");
    return true;
  }

  private succeeded(): bool {
    if (!getHttpCallResponseHeaders(this.responseHeaders) || !this.pairs.reset(this.responseHeaders)) return false;
    while (this.pairs.next()) {
      const p = this.pairs;
      if (p.keyLength == STATUS.length && memory.compare(p.keyPtr, STATUS.ptr, <usize>STATUS.length) == 0) {
        return p.valueLength == 3 && load<u8>(p.valuePtr) == 50;
      }
    }
    return false;
  }

  private drop(n: i32, why: string): void {
    this.dropped.increment(n);
    logWarn("meshguard telemetry: dropped " + n.toString() + " observations: " + why);
  }
}

/** A score as JSON: integers exactly, others with up to 6 decimals. */
export function appendNumber(out: ByteBuf, value: f64): void {
  if (value < 0) {
    out.push(45);
    value = -value;
  }
  if (value == Math.floor(value) && value < 1e15) {
    out.appendDecimal(<u64>value);
    return;
  }
  const scaled = <u64>Math.round(value * 1e6);
  out.appendDecimal(scaled / 1000000);
  out.push(46);
  let fraction = scaled % 1000000;
  let width = 6;
  while (width > 1 && fraction % 10 == 0) {
    fraction /= 10;
    width--;
  }
  let divisor: u64 = 1;
  for (let i = 1; i < width; i++) divisor *= 10;
  for (; divisor > 0; divisor /= 10) out.push(<u8>(48 + <i32>((fraction / divisor) % 10)));
}
