// Small statistics helpers for benchmark samples.

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** A sample that lacks a measurement: an empty sample, or one holding NaN, undefined or ±Infinity. */
export class MissingMeasurement extends Error {
  constructor(message: string) {
    super(`missing measurement: ${message}`);
    this.name = 'MissingMeasurement';
  }
}

/** `value`, or the run fails: a missing measurement (null, undefined, NaN, ±Infinity) is never a figure. */
export function measurement<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined || (typeof value === 'number' && !Number.isFinite(value))) throw new MissingMeasurement(what);
  return value;
}

function checkSample(values: ArrayLike<number>): void {
  if (values.length === 0) throw new MissingMeasurement('an empty sample');
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new MissingMeasurement(`sample ${i} of ${values.length} is ${String(v)}`);
  }
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples; throws MissingMeasurement on an empty sample or a NaN in it. */
export function percentile(values: ArrayLike<number>, p: number): number {
  checkSample(values);
  const sorted = Float64Array.from(values).sort();
  return percentileOfSorted(sorted, p);
}

export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  checkSample(sorted);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Runs `fn` `warmup` times unmeasured, then `iterations` times; returns each measured duration in ms. */
export function timeIterations(fn: () => void, iterations: number, warmup = 1): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  return times;
}

/** Like timeIterations, but also the process CPU time (user + system) of each round, in ms. */
export function timeRounds(fn: () => void, iterations: number, warmup = 1): { wallMs: number[]; cpuMs: number[] } {
  for (let i = 0; i < warmup; i++) fn();
  const wallMs: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    fn();
    wallMs.push(performance.now() - start);
    const used = process.cpuUsage(cpu);
    cpuMs.push((used.user + used.system) / 1000);
  }
  return { wallMs, cpuMs };
}

/** CPU time (user + system) of another process, in ms, from /proc/<pid>/stat; null off Linux. */
export function processCpuMs(pid: number, readStat: (path: string) => string): number | null {
  try {
    const stat = readStat(`/proc/${pid}/stat`);
    // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** USER_HZ on Linux (getconf CLK_TCK); 100 on every mainstream architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

/** A field of /proc/<pid>/status in kB (e.g. VmRSS, VmHWM), converted to MB; null when unreadable. */
export function procStatusMb(pid: number, field: string, readStatus: (path: string) => string): number | null {
  try {
    const text = readStatus(`/proc/${pid}/status`);
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}
