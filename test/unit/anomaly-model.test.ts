// The learned anomaly model on the project's labelled corpus (bench/anomaly/corpus.ts): trained
// on the benign `train` split, measured on the `dev` split (the held-out split is for the
// benchmark's headline figures only).
import { describe, expect, it } from 'vitest';
import { learnModel, scoreWithModel, type AnomalyModel } from '../../control-plane/anomaly/model.js';
import { routeTemplate } from '../../control-plane/anomaly/route-template.js';
import { anomalyCorpus, benign, type LabelledRequest } from '../../bench/anomaly/corpus.js';

const corpus = anomalyCorpus();
const training = corpus.train.map((r) => ({ http: r.http, workload: r.workload }));
const model = learnModel(training);

function rate(m: AnomalyModel | null, threshold: number, set: readonly LabelledRequest[]): number {
  return set.filter((r) => scoreWithModel(r.http, r.workload, m).score >= threshold).length / set.length;
}

describe('anomaly model on the labelled corpus (dev split)', () => {
  const attacks = corpus.dev.filter((r) => r.attack !== null);
  const benignDev = corpus.dev.filter((r) => r.attack === null);

  it('catches at least 98% of attacks at no more than 0.5% false positives (threshold 10)', () => {
    const points = [5, 8, 10, 13, 15, 20].map((t) => ({ threshold: t, tpr: rate(model, t, attacks), fpr: rate(model, t, benignDev) }));
    console.log('ROC (learned model, dev split):\n' + points.map((p) => `  threshold ${String(p.threshold).padStart(2)}  TPR ${(100 * p.tpr).toFixed(1).padStart(5)}%  FPR ${(100 * p.fpr).toFixed(2).padStart(5)}%`).join('\n'));
    const at10 = points.find((p) => p.threshold === 10)!;
    expect(at10.tpr).toBeGreaterThanOrEqual(0.98);
    expect(at10.fpr).toBeLessThanOrEqual(0.005);
  });

  it('catches at least 80% of every family', () => {
    const families = [...new Set(attacks.map((r) => r.attack!))];
    expect(families.length).toBe(13);
    for (const family of families) expect(rate(model, 10, attacks.filter((r) => r.attack === family)), family).toBeGreaterThanOrEqual(0.8);
  });

  it('flags a parameter the route never had, and an oversized value', () => {
    const base = benign(20, 99, 'dev').find((r) => r.http.path!.includes('?'))!;
    const plain = scoreWithModel(base.http, base.workload, model);
    const odd = { ...base.http, path: `${base.http.path}&debug_cmd=${'A'.repeat(900)}` };
    const scored = scoreWithModel(odd, base.workload, model);
    expect(scored.score).toBeGreaterThan(plain.score);
    expect(scored.hits).toContain('model:unknown-param@q:debug_cmd');
  });

  it('learns an often-empty field from its values: a usual coupon code is not anomalous, an odd one is', () => {
    const order = (coupon: string, i: number) => ({
      workload: 'shop/orders',
      http: { method: 'POST', path: '/api/orders', host: 'shop', scheme: 'http', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ productId: 100 + i, coupon }) },
    });
    // 70% of orders without a coupon, the others with SAVE5..SAVE30
    const train = Array.from({ length: 400 }, (_, i) => order(i % 10 < 7 ? '' : `SAVE${5 + (i % 26)}`, i));
    const m = learnModel(train);
    const usual = scoreWithModel(order('SAVE17', 1).http, 'shop/orders', m);
    expect(usual.hits.filter((h) => h.endsWith('@b:coupon'))).toEqual([]);
    expect(scoreWithModel(order('', 2).http, 'shop/orders', m).hits.filter((h) => h.endsWith('@b:coupon'))).toEqual([]);
    const odd = scoreWithModel(order("x' or '1'='1' and coupon_code like '%'", 3).http, 'shop/orders', m);
    expect(odd.hits.some((h) => h.startsWith('model:') && h.endsWith('@b:coupon'))).toBe(true);
  });

  it('is deterministic: the same training requests give the same model version', () => {
    expect(learnModel(training).version).toBe(model.version);
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
