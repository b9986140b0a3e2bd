// Mergeable per-route statistics for the learned models: every figure is a sum (counts, length
// sums, character-distribution sums, counts per structure and per value hash, counts per parameter
// order), so replicas each add what they consumed and any replica builds the model from the total
// (Redis merges with HINCRBYFLOAT). Parameter values themselves are never kept.
import type { FieldObservation } from './core.js';

export const SEP = '\u001f';
/** Structures and values kept per parameter; past these it is free text (not enumerable). */
export const MAX_SHAPES = 32;
export const MAX_VALUES = 16;

/** What one training request contributes. */
export interface TrainingSample {
  readonly route: string;
  readonly workload: string | null;
  readonly fields: readonly FieldObservation[];
}

export class RouteStats {
  count = 0;
  readonly sums = new Map<string, number>();
  private readonly distinct = new Map<string, number>();

  inc(key: string, by: number): void {
    this.sums.set(key, (this.sums.get(key) ?? 0) + by);
  }

  /** Counts a set member (shape or value) unless the set is already past `cap` (then counts overflow). */
  private member(prefix: string, member: string, cap: number): void {
    const key = prefix + member;
    if (!this.sums.has(key)) {
      const n = this.distinct.get(prefix) ?? 0;
      if (n > cap) { this.inc(`${prefix}*`, 1); return; }
      this.distinct.set(prefix, n + 1);
    }
    this.inc(key, 1);
  }

  add(sample: TrainingSample): void {
    this.count++;
    this.inc('n', 1);
    const names: string[] = [];
    for (const f of sample.fields) {
      const p = `p${SEP}${f.name}${SEP}`;
      this.inc(`${p}n`, 1);
      this.inc(`${p}l`, f.length);
      this.inc(`${p}l2`, f.length * f.length);
      f.bins.forEach((b, i) => this.inc(`${p}b${i}`, b));
      const classes = BigInt(`0x${f.classes}`);
      for (let bit = 0n; bit < 64n; bit++) if ((classes >> bit) & 1n) this.inc(`${p}k${bit}`, 1);
      this.member(`${p}s${SEP}`, f.shape, MAX_SHAPES);
      this.member(`${p}v${SEP}`, String(f.hash), MAX_VALUES);
      if (!f.name.startsWith('c:') && !names.includes(f.name)) names.push(f.name);
    }
    for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) this.inc(`o${SEP}${names[i]}${SEP}${names[j]}`, 1);
  }

  merge(other: RouteStats): void {
    this.count += other.count;
    for (const [k, v] of other.sums) this.inc(k, v);
  }

  /** Statistics from stored sums (Redis); `count` is the `n` sum. */
  static fromSums(sums: Iterable<readonly [string, number]>): RouteStats {
    const s = new RouteStats();
    for (const [k, v] of sums) s.inc(k, v);
    s.count = s.sums.get('n') ?? 0;
    return s;
  }
}
