// Envoy's custom-metric host calls (context.cc define/increment/record/getMetric): ids encode the
// type (id & 3), each type counts up from type+4 in steps of 4, per VM; the stats themselves are
// shared by name across VMs, as Envoy's stats scope is.

import { METRIC_ID_INCREMENT, METRIC_TYPE_MASK, METRIC_TYPE_MAX, MetricType, WasmResult } from '../abi/codes.js';

export type MetricKind = 'counter' | 'gauge' | 'histogram';

export interface HistogramSummary {
  readonly count: number;
  readonly sum: bigint;
  readonly min: bigint | undefined;
  readonly max: bigint | undefined;
}

export interface MetricSnapshot {
  readonly name: string;
  readonly kind: MetricKind;
  /** Counters and gauges (uint64, as Envoy stores them). */
  readonly value: bigint;
  readonly histogram?: HistogramSummary;
}

const KINDS: readonly MetricKind[] = ['counter', 'gauge', 'histogram'];

class Stat {
  value = 0n;
  count = 0;
  sum = 0n;
  min: bigint | undefined;
  max: bigint | undefined;

  constructor(
    readonly name: string,
    readonly kind: MetricKind,
  ) {}

  add(delta: bigint): void {
    this.value = BigInt.asUintN(64, this.value + delta);
  }

  recordValue(v: bigint): void {
    this.count++;
    this.sum += v;
    if (this.min === undefined || v < this.min) this.min = v;
    if (this.max === undefined || v > this.max) this.max = v;
  }

  snapshot(): MetricSnapshot {
    if (this.kind !== 'histogram') return { name: this.name, kind: this.kind, value: this.value };
    const histogram = { count: this.count, sum: this.sum, min: this.min, max: this.max };
    return { name: this.name, kind: this.kind, value: 0n, histogram };
  }
}

/** The stats scope: one stat per (kind, name), whichever VM defines it. */
export class MetricStore {
  private readonly stats = new Map<string, Stat>();

  stat(kind: MetricKind, name: string): Stat {
    const key = `${kind}\0${name}`;
    let s = this.stats.get(key);
    if (!s) {
      s = new Stat(name, kind);
      this.stats.set(key, s);
    }
    return s;
  }

  snapshot(): MetricSnapshot[] {
    return [...this.stats.values()].map((s) => s.snapshot());
  }

  /** The value of a counter or gauge, or undefined if never defined. */
  value(name: string, kind: MetricKind = 'counter'): bigint | undefined {
    return this.stats.get(`${kind}\0${name}`)?.value;
  }

  histogram(name: string): HistogramSummary | undefined {
    return this.stats.get(`histogram\0${name}`)?.snapshot().histogram;
  }
}

/** The id table of one VM (Wasm::counters_/gauges_/histograms_ and their id counters). */
export class VmMetrics {
  private readonly next = [MetricType.Counter, MetricType.Gauge, MetricType.Histogram];
  private readonly byId = new Map<number, Stat>();

  constructor(private readonly store: MetricStore) {}

  define(type: number, name: string): { result: WasmResult; id: number } {
    if (type > METRIC_TYPE_MAX) return { result: WasmResult.BadArgument, id: 0 };
    this.next[type]! += METRIC_ID_INCREMENT;
    const id = this.next[type]!;
    this.byId.set(id, this.store.stat(KINDS[type]!, name));
    return { result: WasmResult.Ok, id };
  }

  increment(id: number, offset: bigint): WasmResult {
    const type = id & METRIC_TYPE_MASK;
    if (type !== MetricType.Counter && type !== MetricType.Gauge) return WasmResult.BadArgument;
    const stat = this.byId.get(id);
    if (!stat) return WasmResult.NotFound;
    if (type === MetricType.Counter && offset <= 0n) return WasmResult.BadArgument;
    stat.add(offset);
    return WasmResult.Ok;
  }

  record(id: number, value: bigint): WasmResult {
    const stat = this.byId.get(id);
    if (!stat || (id & METRIC_TYPE_MASK) > METRIC_TYPE_MAX) return WasmResult.NotFound;
    if (stat.kind === 'counter') stat.add(value);
    else if (stat.kind === 'gauge') stat.value = value;
    else stat.recordValue(value);
    return WasmResult.Ok;
  }

  get(id: number): { result: WasmResult; value: bigint } {
    const type = id & METRIC_TYPE_MASK;
    if (type !== MetricType.Counter && type !== MetricType.Gauge) return { result: WasmResult.BadArgument, value: 0n };
    const stat = this.byId.get(id);
    if (!stat) return { result: WasmResult.NotFound, value: 0n };
    return { result: WasmResult.Ok, value: stat.value };
  }
}
