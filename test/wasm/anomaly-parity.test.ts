// anomaly.wasm against the TS scorer (control-plane/anomaly/model.ts scoreWithModel): the same
// request gives the same score, the same hits (in the same order), the same route key and —
// with a model — the same 12 feature values, bit for bit, for the labelled corpus and for
// hand-written edge cases; with and without a learned model.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel, sampleOf, scoreWithModel, type AnomalyModel, type RouteMode } from '../../control-plane/anomaly/model.js';
import { extractFeatures } from '../../control-plane/anomaly/features.js';
import type { HttpInput } from '../../control-plane/engine/request.js';
import { bodyTextOf } from '../../control-plane/canon/body.js';
import { attacks, benign } from '../helpers/corpus.js';
import { edgeCases } from './anomaly-cases.js';
import { AnomalyRunner, asEnvoySees, corpusPolicy } from './anomaly-env.js';

interface Case { name: string; workload: string; http: HttpInput }

function corpus(): Case[] {
  const labelled = [...benign(400, 7), ...attacks(12, 11)];
  return [
    ...labelled.map((r, i) => ({ name: `corpus #${i} (${r.attack ?? 'benign'})`, workload: r.workload, http: asEnvoySees(r.http) })),
    ...edgeCases().map((c) => ({ ...c, http: asEnvoySees(c.http) })),
  ];
}

/** Some routes promoted to enforce, some still learning, as the learning loop would leave them. */
function modeOf(route: string, count: number): RouteMode {
  if (count < 30) return 'learn';
  return route.includes('POST') || route.includes('/search') ? 'enforce' : 'monitor';
}

function trainedModel(): AnomalyModel {
  const training = benign(3000, 3).map((r) => sampleOf(asEnvoySees(r.http), r.workload));
  return buildModel(training, modeOf);
}

/** The request as check and ext_authz see it: the body text by the one body rule (canon/body.ts). */
const decoded = (http: HttpInput): HttpInput => ({ ...http, body: bodyTextOf(http.body) });

async function compareAll(runner: AnomalyRunner, model: AnomalyModel | null, cases: readonly Case[]) {
  const mismatches: string[] = [];
  for (const c of cases) {
    const want = scoreWithModel(decoded(c.http), c.workload, model);
    const got = await runner.run(c.workload, c.http);
    const problems: string[] = [];
    if (got.score !== want.score) problems.push(`score ${got.score} ≠ ${want.score}`);
    if (got.signatureScore !== want.signatureScore) problems.push(`signature score ${got.signatureScore} ≠ ${want.signatureScore}`);
    if (got.hits.join(',') !== want.hits.join(',')) problems.push(`hits [${got.hits.join(',')}] ≠ [${want.hits.join(',')}]`);
    if (got.route !== want.route) problems.push(`route ${got.route} ≠ ${want.route}`);
    if (model) {
      const features = Array.from(extractFeatures(decoded(c.http)).values);
      const diff = features.map((v, f) => (Object.is(v, got.features?.[f]) ? null : `f${f} ${got.features?.[f]} ≠ ${v}`)).filter((d) => d !== null);
      problems.push(...(diff as string[]));
    }
    if (problems.length > 0) mismatches.push(`${c.name}: ${problems.join('; ')}`);
  }
  return mismatches;
}

describe('anomaly.wasm scores exactly as the TS scorer', () => {
  const cases = corpus();
  let model: AnomalyModel;
  beforeAll(() => {
    model = trainedModel();
  });

  it('without a model: signatures only', async () => {
    const runner = await AnomalyRunner.load(corpusPolicy(), null);
    expect(await compareAll(runner, null, cases)).toEqual([]);
  }, 120_000);

  it('with a learned model: same features, stat/param/chars/route points and hits', async () => {
    const runner = await AnomalyRunner.load(corpusPolicy(), model);
    expect(Object.keys(model.routes).length).toBeGreaterThanOrEqual(5);
    expect(await compareAll(runner, model, cases)).toEqual([]);
  }, 120_000);

  it('the corpus exercises every kind of model hit', async () => {
    const kinds = new Set<string>();
    for (const c of cases) for (const h of scoreWithModel(c.http, c.workload, model).hits) kinds.add(h.includes(':') ? h.slice(0, h.indexOf(':')) : 'signature');
    expect([...kinds].sort()).toEqual(['chars', 'param', 'route', 'signature', 'stat']);
  });

  it('enforce mode denies exactly when Authorizer.scored would', async () => {
    const threshold = 10;
    const runner = await AnomalyRunner.load(corpusPolicy('enforce', threshold), model);
    const wrong: string[] = [];
    let denied = 0;
    for (const c of cases) {
      const s = scoreWithModel(decoded(c.http), c.workload, model);
      const want = s.signatureScore >= threshold || (s.mode === 'enforce' && s.score >= threshold);
      const got = await runner.run(c.workload, c.http);
      const status = got.result.localReply?.status ?? 200;
      if ((status === 403) !== want) wrong.push(`${c.name}: ${status} (score ${s.score}, signatures ${s.signatureScore}, mode ${s.mode})`);
      if (want) denied++;
    }
    expect(wrong).toEqual([]);
    expect(denied).toBeGreaterThan(50);
  }, 120_000);
});

describe('random requests (fast-check)', () => {
  const piece = fc.oneof(
    fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 8 }),
    fc.constantFrom('%', '%2', '%25', '%3C', '+', '/**/', '&', '=', '?', "'", '<script>', ' or 1=1', '😀', 'é', '\r\n', '{{', '${jndi:', '../'),
  );
  const text = fc.array(piece, { maxLength: 8 }).map((p) => p.join(''));
  const request = fc.record({
    workload: fc.constantFrom('shop/catalog', 'shop/orders', 'shop/search', 'shop/users'),
    method: fc.constantFrom('GET', 'POST', 'PUT'),
    path: fc.oneof(fc.constantFrom('/api/products', '/api/orders', '/search', '/api/users/42/orders', '/login'), text.map((t) => `/${t}`)),
    query: fc.option(fc.array(fc.tuple(text, text), { maxLength: 6 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')), { nil: undefined }),
    type: fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/ld+json'),
    body: fc.oneof(fc.constant(''), text, fc.json({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ note: v }))),
    header: text,
  });

  it('score the same through the filter and the TS scorer, with a model', async () => {
    const model = trainedModel();
    const runner = await AnomalyRunner.load(corpusPolicy(), model);
    await fc.assert(fc.asyncProperty(request, async (r) => {
      const http = asEnvoySees({
        method: r.method, path: r.query === undefined ? r.path : `${r.path}?${r.query}`, host: 'h', scheme: 'http',
        headers: { 'content-type': r.type, 'x-note': r.header }, body: r.body,
      });
      const mismatches = await compareAll(runner, model, [{ name: 'random', workload: r.workload, http }]);
      expect(mismatches).toEqual([]);
    }), { numRuns: 400, seed: 424242 });
  }, 120_000);
});

describe('where the filter and the engine see different requests (documented)', () => {
  it('mesh-owned headers (x-meshguard-*, x-forwarded-client-cert) are not scored by the filter', async () => {
    const runner = await AnomalyRunner.load(corpusPolicy(), null);
    const http = asEnvoySees({ method: 'GET', path: '/search?q=1', host: 's', scheme: 'http', body: '', headers: { 'x-meshguard-note': '<script>' } });
    expect(scoreWithModel(http, 'shop/search', null).score).toBe(10);
    expect((await runner.run('shop/search', http)).score).toBe(0);
  });

  it('the score travels in x-meshguard-anomaly-score only for requests without a body', async () => {
    const runner = await AnomalyRunner.load(corpusPolicy(), null);
    const get = asEnvoySees({ method: 'GET', path: "/search?q=' or 1=1", host: 's', scheme: 'http', body: '', headers: {} });
    expect((await runner.run('shop/search', get)).result.forwarded?.headers.get('x-meshguard-anomaly-score')).toBe('15');
    const post = asEnvoySees({ method: 'POST', path: '/search', host: 's', scheme: 'http', body: "q=' or 1=1", headers: {} });
    const r = await runner.run('shop/search', post);
    expect(r.score).toBe(15);
    expect(r.result.forwarded?.headers.has('x-meshguard-anomaly-score')).toBe(false);
  });
});
