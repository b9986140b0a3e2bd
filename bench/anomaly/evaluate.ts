// Scores a labelled set with meshguard's scorer and reads detection and false-positive rates off
// the scores: at a threshold, and at the best threshold whose false-positive rate stays within a bound.
import { learnModel, scoreWithModel, type AnomalyModel } from '../../control-plane/anomaly/model.js';
import type { LabelledRequest } from './corpus.js';

export interface Scored {
  readonly request: LabelledRequest;
  readonly score: number;
  readonly hits: readonly string[];
}

export function trainModel(train: readonly LabelledRequest[]): AnomalyModel {
  return learnModel(train.map((t) => ({ http: t.http, workload: t.workload })));
}

export function scoreAll(model: AnomalyModel | null, set: readonly LabelledRequest[]): { scored: Scored[]; micros: number } {
  const started = process.hrtime.bigint();
  const scored = set.map((request) => {
    const s = scoreWithModel(request.http, request.workload, model);
    return { request, score: s.score, hits: s.hits };
  });
  return { scored, micros: Number(process.hrtime.bigint() - started) / 1000 / set.length };
}

export interface Rates {
  readonly threshold: number;
  readonly detection: number;
  readonly falsePositives: number;
}

export function ratesAt(scored: readonly Scored[], threshold: number): Rates {
  let attacks = 0, caught = 0, benign = 0, flagged = 0;
  for (const s of scored) {
    if (s.request.attack === null) { benign++; if (s.score >= threshold) flagged++; }
    else { attacks++; if (s.score >= threshold) caught++; }
  }
  return { threshold, detection: attacks === 0 ? 0 : caught / attacks, falsePositives: benign === 0 ? 0 : flagged / benign };
}

/** The lowest threshold whose false-positive rate is ≤ `maxFp` (so the highest detection within it). */
export function ratesWithin(scored: readonly Scored[], maxFp: number): Rates {
  const candidates = [...new Set(scored.map((s) => s.score))].sort((a, b) => a - b).map((t) => t + 1e-9);
  let best = ratesAt(scored, Number.POSITIVE_INFINITY);
  for (const t of candidates.reverse()) {
    const r = ratesAt(scored, t);
    if (r.falsePositives > maxFp) break;
    best = r;
  }
  return best;
}

/** Detection per attack family at a threshold. */
export function byFamily(scored: readonly Scored[], threshold: number): Record<string, { caught: number; total: number }> {
  const out: Record<string, { caught: number; total: number }> = {};
  for (const s of scored) {
    const f = s.request.attack;
    if (f === null) continue;
    const e = (out[f] ??= { caught: 0, total: 0 });
    e.total++;
    if (s.score >= threshold) e.caught++;
  }
  return out;
}
