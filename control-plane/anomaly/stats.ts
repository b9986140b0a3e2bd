// Mergeable per-route statistics: feature histograms (quarter-octave bins), parameter character
// masks and lengths. Replicas each add what they consumed; sums and ORs merge, so any replica can
// build the model from everybody's traffic. Parameter values themselves are never kept.
import { FEATURE_NAMES } from './features.js';

export const BINS = 96;
const FEATURES = FEATURE_NAMES.length;

/** Bin 0 holds [0, 1); bin k ≥ 1 holds [2^((k-1)/4), 2^(k/4)). */
export function binOf(x: number): number {
  if (!(x >= 1)) return 0;
  return Math.min(BINS - 1, 1 + Math.floor(Math.log2(x) * 4));
}

export function binUpperEdge(bin: number): number {
  return bin === 0 ? 1 : 2 ** (bin / 4);
}

export interface ParamStats {
  count: number;
  /** ASCII characters seen (bit 127 = any non-ASCII). */
  mask: Uint32Array;
  maxLength: number;
}

export class RouteStats {
  count = 0;
  readonly histogram = new Uint32Array(FEATURES * BINS);
  readonly params = new Map<string, ParamStats>();

  add(features: ArrayLike<number>, params: readonly (readonly [string, Uint32Array, number])[]): void {
    this.count++;
    for (let f = 0; f < FEATURES; f++) this.histogram[f * BINS + binOf(features[f]!)]!++;
    for (const [name, mask, length] of params) this.addParam(name, 1, mask, length);
  }

  addParam(name: string, count: number, mask: Uint32Array, maxLength: number): void {
    let p = this.params.get(name);
    if (!p) {
      p = { count: 0, mask: new Uint32Array(4), maxLength: 0 };
      this.params.set(name, p);
    }
    p.count += count;
    for (let i = 0; i < 4; i++) p.mask[i]! |= mask[i]!;
    p.maxLength = Math.max(p.maxLength, maxLength);
  }

  merge(other: RouteStats): void {
    this.count += other.count;
    for (let i = 0; i < this.histogram.length; i++) this.histogram[i]! += other.histogram[i]!;
    for (const [name, p] of other.params) this.addParam(name, p.count, p.mask, p.maxLength);
  }

  /** The q-quantile of a feature, as the upper edge of the bin it falls in. */
  quantile(feature: number, q: number): number {
    if (this.count === 0) return 0;
    const target = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let b = 0; b < BINS; b++) {
      seen += this.histogram[feature * BINS + b]!;
      if (seen >= target) return binUpperEdge(b);
    }
    return binUpperEdge(BINS - 1);
  }
}

export function charMask(value: string, into: Uint32Array = new Uint32Array(4)): Uint32Array {
  for (let i = 0; i < value.length; i++) {
    const c = Math.min(value.charCodeAt(i), 127);
    into[c >>> 5]! |= 1 << (c & 31);
  }
  return into;
}

export const maskHex = (m: Uint32Array): string => Array.from(m, (w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
export const hexMask = (h: string): Uint32Array => Uint32Array.from([0, 1, 2, 3], (i) => parseInt(h.slice(i * 8, i * 8 + 8), 16) || 0);
