// The benchmark runner refuses missing measurements: a sample with NaN (or empty) has no median or
// percentile, and a report whose figure, baseline or target is not a finite number fails the run
// (bench/run.ts calls missingMeasurements). The targets table lists every target, misses included.
import { describe, expect, it } from 'vitest';
import { measurement, MissingMeasurement, median, percentile, percentileOfSorted } from '../../bench/lib/stats.js';
import { targetsMarkdown } from '../../bench/lib/targets.js';
import { missingMeasurements, type BenchReport } from '../../bench/lib/types.js';

describe('benchmark statistics', () => {
  it('refuse a sample with a missing measurement instead of sorting NaN last', () => {
    expect(() => median([1, NaN, 3])).toThrow(MissingMeasurement);
    expect(() => percentile([1, 2, 3, NaN], 99)).toThrow(/sample 3 of 4 is NaN/);
    expect(() => percentile([1, undefined as unknown as number], 50)).toThrow(MissingMeasurement);
    expect(() => percentile([1, Infinity], 50)).toThrow(MissingMeasurement);
    expect(() => median([])).toThrow(/an empty sample/);
    expect(() => percentileOfSorted([], 50)).toThrow(MissingMeasurement);
  });

  it('refuse a single figure that was not measured (measurement), and pass one that was, zero included', () => {
    expect(() => measurement(null, 'serve RSS')).toThrow('missing measurement: serve RSS');
    expect(() => measurement(undefined, 'x')).toThrow(MissingMeasurement);
    expect(() => measurement(NaN, 'x')).toThrow(MissingMeasurement);
    expect(() => measurement(-Infinity, 'x')).toThrow(MissingMeasurement);
    expect(measurement(0, 'x')).toBe(0);
    const limit = { requestsPerSecond: 10 };
    expect(measurement(limit, 'a rate limit')).toBe(limit);
  });

  it('still compute nearest-rank percentiles of complete samples', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([5], 99)).toBe(5);
  });
});

describe('missingMeasurements', () => {
  const report = (figures: BenchReport['figures']): BenchReport => ({ figures, notes: [] });

  it('passes a complete report', () => {
    expect(missingMeasurements(report([{ name: 'a', value: 1, unit: 'ms', target: { op: '<=', value: 2 }, baseline: { name: 'b', value: 3 } }]))).toEqual([]);
  });

  it('names every figure, baseline and target that was not measured', () => {
    expect(missingMeasurements(report([
      { name: 'nan', value: NaN, unit: 'ms' },
      { name: 'undefined', value: undefined as unknown as number, unit: 'ms' },
      { name: 'baseline', value: 1, unit: 'ms', baseline: { name: 'bare', value: NaN } },
      { name: 'zero baseline', value: 1, unit: 'ms', baseline: { name: 'bare', value: 0 } },
      { name: 'target', value: 1, unit: 'ms', target: { op: '>=', value: NaN } },
    ]))).toEqual([
      'nan: value is NaN',
      'undefined: value is undefined',
      'baseline: baseline "bare" is NaN',
      'zero baseline: baseline "bare" is 0',
      'target: target is NaN',
    ]);
  });

  it('fails a report without figures', () => {
    expect(missingMeasurements(report([]))).toEqual(['the report has no figures']);
  });
});

describe('targetsMarkdown', () => {
  it('lists every target with met or MISSED, and failed runs', () => {
    const md = targetsMarkdown({
      engine: {
        date: '2026-12-02T00:00:00Z', command: 'node dist/bench/run.js engine', ok: true, loadBefore: { load1: 1.5 },
        figures: [
          { name: 'decide()/s', value: 800_000, unit: '/s', target: { op: '>=', value: 1_000_000 }, met: false, baseline: { name: 'Map lookup', value: 4_000_000 }, ratio: 0.2 },
          { name: 'compile', value: 30, unit: 'ms', target: { op: '<=', value: 200 }, met: true },
          { name: 'no target', value: 1, unit: 'ms' },
        ],
      },
      wasm: { date: '2026-12-02T00:00:00Z', command: 'x', ok: false, error: 'missing measurements', figures: [] },
    });
    expect(md).toContain('| engine | decide()/s | 800,000 /s | ≥ 1,000,000 | **MISSED** | Map lookup 4,000,000 (0.200×) | 2026-12-02, load 1.5 |');
    expect(md).toContain('| engine | compile | 30 ms | ≤ 200 | met |');
    expect(md).not.toContain('no target');
    expect(md).toContain('| wasm | FAILED: missing measurements |');
    expect(md).toContain('1 met, 1 missed.');
  });
});
