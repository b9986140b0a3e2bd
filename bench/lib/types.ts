// What a benchmark module gives the runner (bench/run.ts): figures, each with its target and baseline.

export interface Target {
  /** `>=`: higher is better (throughput); `<=`: lower is better (time, memory). */
  readonly op: '>=' | '<=';
  readonly value: number;
}

export interface Baseline {
  /** What was measured as the baseline, in the same run (e.g. "bare grpc-js Check server"). */
  readonly name: string;
  readonly value: number;
}

export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target?: Target;
  /** The ratio printed is value / baseline.value. */
  readonly baseline?: Baseline;
  readonly note?: string;
}

export interface BenchReport {
  readonly figures: readonly Figure[];
  /** Free-text lines kept with the results (configuration, caveats, anchors from other projects). */
  readonly notes: readonly string[];
}

export interface BenchContext {
  /** The command line that is producing these figures. */
  readonly command: string;
  /** Progress and intermediate output, printed as it happens. */
  log(line: string): void;
}

export interface Benchmark {
  /** Short id used on the command line: `node dist/bench/run.js <name>`. */
  readonly name: string;
  readonly title: string;
  /** Lower runs first; modules without an order run after, by name. */
  readonly order?: number;
  run(ctx: BenchContext): Promise<BenchReport>;
}

export function isBenchmark(value: unknown): value is Benchmark {
  if (value === null || typeof value !== 'object') return false;
  const b = value as Record<string, unknown>;
  return typeof b.name === 'string' && typeof b.title === 'string' && typeof b.run === 'function';
}

/** value / baseline, or null without a usable baseline. */
export function ratioOf(f: Figure): number | null {
  if (!f.baseline || !(f.baseline.value > 0) || !Number.isFinite(f.value)) return null;
  return f.value / f.baseline.value;
}

export function targetMet(f: Figure): boolean | null {
  if (!f.target || !Number.isFinite(f.value)) return f.target ? false : null;
  return f.target.op === '>=' ? f.value >= f.target.value : f.value <= f.target.value;
}

function measured(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * What a report lacks: each figure whose value, baseline value or target is not a finite number
 * (NaN, undefined, ±Infinity: a measurement that did not happen). The runner fails a benchmark
 * that lacks any.
 */
export function missingMeasurements(report: BenchReport): string[] {
  const out: string[] = [];
  if (!Array.isArray(report.figures) || report.figures.length === 0) return ['the report has no figures'];
  for (const f of report.figures) {
    if (!measured(f.value)) out.push(`${f.name}: value is ${String(f.value)}`);
    if (f.baseline !== undefined && !(measured(f.baseline.value) && f.baseline.value > 0)) out.push(`${f.name}: baseline "${f.baseline.name}" is ${String(f.baseline.value)}`);
    if (f.target !== undefined && !measured(f.target.value)) out.push(`${f.name}: target is ${String(f.target.value)}`);
  }
  return out;
}
