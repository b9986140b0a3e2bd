import { describe, expect, it } from 'vitest';
import { buildModel, sampleOf, scoreWithModel, type AnomalyModel } from '../../control-plane/anomaly/model.js';
import { routeTemplate } from '../../control-plane/anomaly/route-template.js';
import { attacks, benign, type LabelledRequest } from '../helpers/corpus.js';

const train = benign(3000, 1);
const heldOut = benign(2000, 2);
const attackSet = attacks(60, 3);
const model = buildModel(train.map((r) => sampleOf(r.http, r.workload)));

function rates(m: AnomalyModel | null, threshold: number, set: LabelledRequest[]) {
  const flagged = set.filter((r) => scoreWithModel(r.http, r.workload, m).score >= threshold).length;
  return flagged / set.length;
}

describe('anomaly model on a labelled corpus', () => {
  it('catches at least 95% of attacks at no more than 1% false positives (threshold 10)', () => {
    const points = [3, 5, 8, 10, 13, 15, 20, 25].map((t) => ({ threshold: t, tpr: rates(model, t, attackSet), fpr: rates(model, t, heldOut) }));
    console.log('ROC (learned model):\n' + points.map((p) => `  threshold ${String(p.threshold).padStart(2)}  TPR ${(100 * p.tpr).toFixed(1).padStart(5)}%  FPR ${(100 * p.fpr).toFixed(2).padStart(5)}%`).join('\n'));
    const sigOnly = [5, 10].map((t) => `threshold ${t}: TPR ${(100 * rates(null, t, attackSet)).toFixed(1)}% FPR ${(100 * rates(null, t, heldOut)).toFixed(2)}%`);
    console.log('signatures only: ' + sigOnly.join('; '));
    const at10 = points.find((p) => p.threshold === 10)!;
    expect(at10.tpr).toBeGreaterThanOrEqual(0.95);
    expect(at10.fpr).toBeLessThanOrEqual(0.01);
  });

  it('catches every family', () => {
    for (const family of ['sqli', 'xss', 'traversal', 'cmdi', 'ssrf', 'log4shell']) {
      const set = attackSet.filter((r) => r.attack === family);
      expect(rates(model, 10, set), family).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('flags a parameter the route never had, and an oversized value', () => {
    const base = benign(1, 99)[0]!;
    const route = scoreWithModel(base.http, base.workload, model);
    const odd = { ...base.http, path: `${base.http.path}${base.http.path!.includes('?') ? '&' : '?'}debug_cmd=${'A'.repeat(900)}` };
    const scored = scoreWithModel(odd, base.workload, model);
    expect(scored.score).toBeGreaterThan(route.score);
    expect(scored.hits.some((h) => h.startsWith('stat:') || h.startsWith('param:'))).toBe(true);
  });

  it('is deterministic: the same samples give the same model version', () => {
    expect(buildModel(train.map((r) => sampleOf(r.http, r.workload))).version).toBe(model.version);
  });
});

describe('route templates', () => {
  it.each([
    ['/api/users/42/orders', '/api/users/{id}/orders'],
    ['/api/items/550e8400-e29b-41d4-a716-446655440000', '/api/items/{id}'],
    ['/blob/9f86d081884c7d659a2feaa0c55ad015', '/blob/{id}'],
    ['/api/items', '/api/items'],
    ['/v1/charges', '/v1/charges'],
    ['/', '/'],
  ])('%s → %s', (path, template) => expect(routeTemplate(path)).toBe(template));
});
