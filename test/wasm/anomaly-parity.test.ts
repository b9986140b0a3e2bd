// The anomaly score is written once (assembly/lib/anomaly) and compiled into the filter
// (anomaly.wasm) and into the control plane's scorer (anomaly-core.wasm). What differs between
// the two is the glue, and that is what this test holds together, from one CheckRequest each:
//  - the request: CheckRequest → HttpInput → header pairs and body (control-plane/anomaly/core.ts)
//    against the headers and body Envoy hands the filter (replay's httpRequestOf, body in chunks);
//  - the configuration: the model as `{"model": …}` for anomaly-core against the filter's plugin
//    configuration (filterConfigFor, read by assembly/filters/anomaly/config.ts);
//  - the decision: Authorizer.scored against the filter's enforce rule.
// Same score (bit for bit: both are whole hundredths, so the printed score is the double), same
// detector score, same route key, same hits in the same order; the same 403s.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { learnModel, scoreWithModel, type AnomalyModel, type RouteMode } from '../../control-plane/anomaly/model.js';
import { toCheckInput } from '../../control-plane/authz/check-request.js';
import type { HttpInput } from '../../control-plane/engine/request.js';
import { anomalyCorpus } from '../../bench/anomaly/corpus.js';
import { edgeCases } from './anomaly-cases.js';
import { AnomalyRunner, AuthzSide, checkRequestOf, corpusPolicy } from './anomaly-env.js';

interface Case { name: string; request: unknown }

const corpus = anomalyCorpus();

function cases(): Case[] {
  const benign = [...corpus.dev, ...corpus.heldout].filter((r) => r.attack === null).filter((_, i) => i % 15 === 0);
  const attacks = [...corpus.dev, ...corpus.heldout].filter((r) => r.attack !== null);
  return [
    ...[...benign, ...attacks].map((r) => ({ name: `${r.id} (${r.attack ?? 'benign'})`, request: checkRequestOf(r.workload, r.http) })),
    ...edgeCases().map((c) => ({ name: c.name, request: checkRequestOf(c.workload, c.http) })),
  ];
}

/** Some routes promoted to enforce, some still learning, as the learning loop would leave them. */
function modeOf(route: string, count: number): RouteMode {
  if (count < 150) return 'learn';
  return route.includes('POST') || route.includes('/search') ? 'enforce' : 'monitor';
}

function trainedModel(): AnomalyModel {
  return learnModel(corpus.train.slice(0, 1500).map((r) => ({ http: r.http, workload: r.workload })), modeOf);
}

async function mismatchesOf(runner: AnomalyRunner, model: AnomalyModel | null, c: Case, chunked = false): Promise<string | null> {
  const input = toCheckInput(c.request);
  const want = scoreWithModel(input.http!, input.contextExtensions['meshguard.io/workload']!, model);
  const body = input.http!.body;
  const chunks = chunked && body.length > 1 ? splitUtf8(Buffer.from(body, 'utf8')) : undefined;
  const got = await runner.runCheckRequest(c.request, chunks);
  const problems: string[] = [];
  if (!Object.is(got.score, want.score)) problems.push(`score ${got.score} ≠ ${want.score}`);
  if (got.detectorScore !== want.detectorScore) problems.push(`detector score ${got.detectorScore} ≠ ${want.detectorScore}`);
  if (got.hits.join(',') !== want.hits.join(',')) problems.push(`hits [${got.hits.join(',')}] ≠ [${want.hits.join(',')}]`);
  if (got.route !== want.route) problems.push(`route ${got.route} ≠ ${want.route}`);
  return problems.length === 0 ? null : `${c.name}: ${problems.join('; ')}`;
}

/** A body cut into three pieces at arbitrary bytes (inside UTF-8 sequences too). */
function splitUtf8(bytes: Uint8Array): Uint8Array[] {
  const a = Math.floor(bytes.length / 3);
  const b = Math.floor((2 * bytes.length) / 3) + 1;
  return [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)];
}

async function compareAll(runner: AnomalyRunner, model: AnomalyModel | null, list: readonly Case[], chunked = false): Promise<string[]> {
  const out: string[] = [];
  for (const c of list) {
    const m = await mismatchesOf(runner, model, c, chunked);
    if (m !== null) out.push(m);
  }
  return out;
}

describe('anomaly.wasm scores exactly as the control plane', () => {
  const list = cases();
  let model: AnomalyModel;
  beforeAll(() => {
    model = trainedModel();
  }, 120_000);

  it('without a model: detectors only', async () => {
    const runner = await AnomalyRunner.load(corpusPolicy(), null);
    expect(await compareAll(runner, null, list)).toEqual([]);
  }, 300_000);

  it('with a learned model (the filter reads its workload\'s part of it), bodies in chunks', async () => {
    const runner = await AnomalyRunner.load(corpusPolicy(), model);
    expect(Object.keys(model.routes).length).toBeGreaterThanOrEqual(8);
    expect(await compareAll(runner, model, list, true)).toEqual([]);
  }, 300_000);

  it('the corpus exercises every detector and every model', () => {
    const kinds = new Set<string>();
    for (const c of list) {
      const input = toCheckInput(c.request);
      for (const h of scoreWithModel(input.http!, input.contextExtensions['meshguard.io/workload']!, model).hits) {
        const kind = h.split('@')[0]!;
        for (const k of kind.startsWith('model:') ? kind.slice(6).split('+') : [kind.split(':')[0]!]) kinds.add(k);
      }
    }
    expect([...kinds].sort()).toEqual(expect.arrayContaining([
      'chars', 'classes', 'cmdi', 'crlf', 'enum', 'jndi', 'ldap', 'length', 'missing-param', 'nosql', 'protocol', 'route',
      'shape', 'sqli', 'ssrf', 'ssti', 'traversal', 'unknown-param', 'xss', 'xxe',
    ]));
  });

  it('enforce mode denies exactly when Authorizer.check does (requests with a valid path)', async () => {
    const threshold = 10;
    const policy = corpusPolicy('enforce', threshold);
    const runner = await AnomalyRunner.load(policy, model);
    const authz = new AuthzSide(policy, model);
    const wrong: string[] = [];
    let denied = 0;
    let byModel = 0;
    for (const c of list) {
      const want = authz.run(c.request);
      // a path ext_authz rejects (400) never reaches the anomaly filter: identity rejects it first
      if (want.status === 400) continue;
      const got = await runner.runCheckRequest(c.request);
      const status = got.result.localReply?.status ?? 200;
      if (status !== want.status) wrong.push(`${c.name}: filter ${status}, ext_authz ${want.status} (${want.reason})`);
      if (want.status === 403) {
        denied++;
        if (got.detectorScore < threshold) byModel++;
      }
    }
    expect(wrong).toEqual([]);
    expect(denied).toBeGreaterThan(500);
    expect(byModel).toBeGreaterThan(0);
  }, 300_000);
});

describe('the one body rule (canon/body.ts, lib/body.ts) on both sides', () => {
  const raw = (bytes: Uint8Array, type: string) => {
    const r = checkRequestOf('shop/orders', { method: 'POST', path: '/api/orders', host: 'o', scheme: 'http', headers: { 'content-type': type }, body: '' }) as {
      attributes: { request: { http: Record<string, unknown> } };
    };
    r.attributes.request.http.rawBody = Buffer.from(bytes).toString('base64');
    return r;
  };
  const bytes = (...parts: (string | number[])[]) => new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p)))));
  const bodies: [string, Uint8Array, string][] = [
    ['Latin-1 bytes', bytes('{"note":"caf', [0xe9], '<script>"}'), 'application/json'],
    ['an overlong slash', bytes('q=..', [0xc0, 0xaf], '..', [0xc0, 0xaf], 'etc/passwd'), 'application/x-www-form-urlencoded'],
    ['a surrogate in UTF-8', bytes('x ', [0xed, 0xa0, 0x80], " ' or 1=1--"), 'text/plain'],
    ['a 3-byte character cut by the cap', bytes('a'.repeat(16383), '€<script>'), 'text/plain'],
    ['JSON cut by the cap', bytes(JSON.stringify({ note: 'a'.repeat(16400), x: '<script>' })), 'application/json'],
    ['an attack right before the cap', bytes('a'.repeat(16370), '<script>'), 'text/plain'],
  ];
  it.each(bodies)('%s', async (_, body, type) => {
    const runner = await AnomalyRunner.load(corpusPolicy(), null);
    expect(await mismatchesOf(runner, null, { name: 'raw', request: raw(body, type) }, true)).toBeNull();
  });
});

describe('random requests (fast-check)', () => {
  const piece = fc.oneof(
    fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 8 }),
    fc.constantFrom('%', '%2', '%25', '%3C', '%c0%af', '%u003c', '\\u0027', '&#x3c;', '&lt;', '+', '/**/', '&', '=', '?', ';', "'", '"', '<script>', ' or 1=1',
      'union select', '😀', 'é', '＜', '\r\n', '{{', '}}', '${jndi:', '${', '../', 'http://127.0.0.1/', '|id', '$ne', '*)(', '<!ENTITY'),
  );
  const text = fc.array(piece, { maxLength: 8 }).map((p) => p.join(''));
  const request = fc.record({
    workload: fc.constantFrom(...['catalog', 'orders', 'search', 'users', 'reviews'].map((w) => `shop/${w}`)),
    method: fc.constantFrom('GET', 'POST', 'PUT', 'TRACE'),
    path: fc.oneof(fc.constantFrom('/api/products', '/api/orders', '/search', '/api/users/42/avatar', '/login', '/api/products/7/reviews'), text.map((t) => `/${t}`)),
    query: fc.option(fc.array(fc.tuple(text, text), { maxLength: 6 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')), { nil: undefined }),
    type: fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/xml', 'application/ld+json'),
    body: fc.oneof(fc.constant(''), text, fc.json({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ note: v }))),
    header: text,
    cookie: fc.option(text, { nil: undefined }),
  });

  it('score the same through the filter and the control plane, with a model', async () => {
    const model = trainedModel();
    const runner = await AnomalyRunner.load(corpusPolicy(), model);
    await fc.assert(fc.asyncProperty(request, async (r) => {
      const http: HttpInput = {
        method: r.method, path: r.query === undefined ? r.path : `${r.path}?${r.query}`, host: 'h', scheme: 'http',
        headers: { 'content-type': r.type, 'x-note': r.header, ...(r.cookie === undefined ? {} : { cookie: r.cookie }) }, body: r.body,
      };
      expect(await mismatchesOf(runner, model, { name: 'random', request: checkRequestOf(r.workload, http) }, true)).toBeNull();
    }), { numRuns: 400, seed: 424242 });
  }, 300_000);
});

describe('where the filter and ext_authz differ (documented)', () => {
  it('the score travels in x-meshguard-anomaly-score only for requests without a body', async () => {
    const runner = await AnomalyRunner.load(corpusPolicy(), null);
    const get = { method: 'GET', path: "/search?q=' or 1=1--", host: 's', scheme: 'http', body: '', headers: {} };
    const r1 = await runner.runCheckRequest(checkRequestOf('shop/search', get));
    expect(r1.result.forwarded?.headers.get('x-meshguard-anomaly-score')).toBe('10');
    const post = { method: 'POST', path: '/search', host: 's', scheme: 'http', body: "q=' or 1=1--", headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    const r2 = await runner.runCheckRequest(checkRequestOf('shop/search', post));
    expect(r2.score).toBe(10);
    expect(r2.result.forwarded?.headers.has('x-meshguard-anomaly-score')).toBe(false);
  });
});
