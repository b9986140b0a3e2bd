// Metrics (proxy_define_metric & co). Define them from onVmStart/onConfigure, not at the top
// level: Envoy allows only proxy_log while _initialize runs. Envoy stores them under
// `wasmcustom.<name>` (the prefix is stripped from /stats), returns the same id when the name is
// defined again, rejects a counter increment <= 0, and lets `record` add to a counter.
import { proxy_define_metric, proxy_get_metric, proxy_increment_metric, proxy_record_metric } from "./abi/imports";
import { outPtr } from "./abi/memory";
import { ByteBuf } from "./bytes";
import { logWarn } from "./log";
import { MetricType, Status } from "./types";

export class Metric {
  id: u32 = 0;
  defined: bool = false;

  constructor(public readonly type: MetricType, public readonly name: string) {
    const bytes = ByteBuf.fromString(name);
    if (proxy_define_metric(type, bytes.ptr, <usize>bytes.length, outPtr(2)) == Status.Ok) {
      this.id = load<u32>(outPtr(2));
      this.defined = true;
    } else {
      logWarn("meshguard sdk: could not define metric " + name);
    }
  }

  /** Current value (counters and gauges; histograms have none), or 0 when unavailable. */
  value(): u64 {
    if (!this.defined || proxy_get_metric(this.id, outPtr(2)) != Status.Ok) return 0;
    return load<u64>(outPtr(2));
  }
}

export class Counter extends Metric {
  constructor(name: string) {
    super(MetricType.Counter, name);
  }

  increment(delta: i64 = 1): void {
    if (this.defined && delta > 0) proxy_increment_metric(this.id, delta);
  }
}

export class Gauge extends Metric {
  constructor(name: string) {
    super(MetricType.Gauge, name);
  }

  set(value: u64): void {
    if (this.defined) proxy_record_metric(this.id, value);
  }

  add(delta: i64): void {
    if (this.defined && delta != 0) proxy_increment_metric(this.id, delta);
  }
}

export class Histogram extends Metric {
  constructor(name: string) {
    super(MetricType.Histogram, name);
  }

  record(value: u64): void {
    if (this.defined) proxy_record_metric(this.id, value);
  }
}
