// anomaly.wasm in the proxy-wasm host: modes, the score header, enforcement, bodies (buffered to
// their end, trailers included), counters and the score histogram, configuration errors.
import { describe, expect, it } from 'vitest';
import { SIGNATURES } from '../../control-plane/anomaly/signatures.js';
import { FilterChain, WasmHost } from '@meshguard/proxy-wasm-host';
import { builtFilter } from './build.js';
import { rejectedConfig } from './filter-env.js';

const WORKLOAD = 'shop/api';
const LIMITS = [100, 100, 10, 100, 1000, 30, 50, 10, 100, 8, 20, 100];

function config(mode: string, extra: Record<string, unknown> = {}) {
  return { version: 'v7', workload: WORKLOAD, anomaly: { mode, threshold: 10, signatures: SIGNATURES, ...extra } };
}

/** A model whose only route `GET /api/items` is in `routeMode` and knows the parameter `q` (A-Z, at most 10 long). */
function model(routeMode: string) {
  return {
    version: 'm1', features: ['pathLength', 'queryLength', 'paramCount', 'maxValueLength', 'bodyLength', 'headerCount', 'specialChars', 'percentEscapes', 'nonAlnumPercent', 'maxValueEntropy', 'whitespace', 'digitsPercent'],
    global: { limits: LIMITS }, workloadSamples: 500,
    routes: { [`${WORKLOAD} GET /api/items`]: { mode: routeMode, count: 100, limits: LIMITS, params: { q: { chars: '000000000000000007fffffe00000000', maxLength: 10, count: 100 } } } },
  };
}

async function anomaly(c: unknown) {
  const host = await WasmHost.load((await builtFilter('anomaly')).binary, { logLevel: 'debug' });
  const plugin = host.createPlugin({ name: 'anomaly', configuration: JSON.stringify(c) });
  const chain = new FilterChain([plugin]);
  return { host, plugin, chain };
}

const GET = (path: string) => ({ ':method': 'GET', ':path': path, ':authority': 'api', ':scheme': 'http' });
const POST = (path: string, type = 'application/json') => ({ ':method': 'POST', ':path': path, ':authority': 'api', ':scheme': 'http', 'content-type': type });

describe('anomaly modes', () => {
  it('off: passes requests through untouched, scores nothing', async () => {
    const { chain, host } = await anomaly(config('off'));
    const r = await chain.run({ headers: GET("/api/items?q=' or 1=1") });
    expect(r.forwarded?.headers.has('x-meshguard-anomaly-score')).toBe(false);
    expect(host.metric('meshguard_anomaly_scored')).toBe(0n);
  });

  it('monitor: sets the score header (replacing a client\'s), never denies', async () => {
    const { chain, host } = await anomaly(config('monitor'));
    const r = await chain.run({ headers: { ...GET("/api/items?q=' or 1=1 union select"), 'x-meshguard-anomaly-score': '0' } });
    expect(r.localReply).toBeNull();
    expect(r.forwarded?.headers.getAll('x-meshguard-anomaly-score')).toEqual(['25']);
    expect(host.metric('meshguard_anomaly_scored')).toBe(1n);
    expect(host.metric('meshguard_anomaly_denied')).toBe(0n);
  });

  it('enforce: a 403 local reply with x-meshguard-reason and a short body at the threshold', async () => {
    const { chain, host } = await anomaly(config('enforce'));
    const r = await chain.run({ headers: GET('/api/items?q=<script>') });
    expect(r.localReply).toMatchObject({ status: 403, details: 'meshguard_anomaly_denied' });
    expect(r.response?.headers.get('x-meshguard-reason')).toBe('anomaly-score');
    expect(Buffer.from(r.response!.body).toString()).toBe('meshguard: access denied\n');
    const below = await chain.run({ headers: GET('/api/items?q=alert(1)') });
    expect(below.forwarded?.headers.get('x-meshguard-anomaly-score')).toBe('5');
    expect(host.metric('meshguard_anomaly_denied')).toBe(1n);
    const histogram = host.metrics().find((m) => m.name === 'meshguard_anomaly_score');
    expect(histogram?.histogram).toMatchObject({ count: 2, sum: 15n, max: 10n });
  });

  it('an unknown mode is a rejected configuration', async () => {
    const { error, errors } = await rejectedConfig('anomaly', { anomaly: { mode: 'sometimes' } });
    expect(error).not.toBeNull();
    expect(errors).toEqual(['meshguard anomaly: rejected plugin configuration: anomaly.mode: expected one of off | monitor | enforce, got "sometimes"']);
  });
});

describe('learned routes', () => {
  it('enforce denies on the total score only on a route the model put in enforce', async () => {
    const path = `/api/items?q=${'A'.repeat(101)}`;
    for (const [routeMode, denied] of [['monitor', false], ['enforce', true]] as const) {
      const { chain, host } = await anomaly(config('enforce', { model: model(routeMode) }));
      const r = await chain.run({ headers: GET(path) });
      expect(r.localReply !== null, routeMode).toBe(denied);
      expect(host.logs().map((l) => l.message).find((m) => m.startsWith('meshguard anomaly: score'))).toBe(
        `meshguard anomaly: score 15 signatures 0 ${denied ? 'deny' : 'allow'} route ${WORKLOAD} GET /api/items hits stat:queryLength,stat:maxValueLength,chars:q`,
      );
    }
  });

  it('an unknown route of a well-sampled workload scores 5', async () => {
    const { chain } = await anomaly(config('monitor', { model: model('enforce') }));
    const r = await chain.run({ headers: GET('/never/seen') });
    expect(r.forwarded?.headers.get('x-meshguard-anomaly-score')).toBe('5');
  });
});

describe('bodies', () => {
  it('are buffered to their end and scored there; headers go on first (Envoy would not deliver the body to a filter that stopped them)', async () => {
    const { chain, host } = await anomaly(config('enforce'));
    const r = await chain.run({ headers: POST('/api/orders'), body: ['{"note":"<scr', 'ipt>"}'] });
    expect(r.localReply?.status).toBe(403);
    const ok = await chain.run({ headers: POST('/api/orders'), body: ['{"note":', '"hello"}'] }, (req) => {
      expect(Buffer.from(req.body).toString()).toBe('{"note":"hello"}');
      return { status: 200 };
    });
    expect(ok.forwarded).not.toBeNull();
    expect(host.metric('meshguard_anomaly_scored')).toBe(2n);
  });

  it('with trailers, the body is scored when the trailers arrive', async () => {
    const { chain } = await anomaly(config('enforce'));
    const r = await chain.run({ headers: POST('/api/orders', 'text/plain'), body: ['a', '../../etc/passwd'], trailers: { 'x-checksum': '1' } });
    expect(r.localReply?.status).toBe(403);
  });

  it('headers alone at the threshold are denied at once, before the body', async () => {
    const { chain, host } = await anomaly(config('enforce'));
    const r = await chain.run({ headers: POST('/api/orders?next=/etc/passwd'), body: 'x' });
    expect(r.localReply?.status).toBe(403);
    expect(host.logs().map((l) => l.message)).toContain('meshguard anomaly: score 15 signatures (headers) 15 deny route shop/api POST /api/orders hits traversal-file,cmdi-recon');
  });
});

describe('configuration', () => {
  const cases: [string, unknown, string][] = [
    ['no anomaly section', { workload: WORKLOAD }, 'anomaly: required field is missing'],
    ['signatures missing', { anomaly: { mode: 'monitor', threshold: 10 } }, 'anomaly.signatures: required field is missing'],
    ['an empty pattern', config('monitor', { signatures: [{ id: 'x', points: 1, patterns: [''] }] }), 'anomaly.signatures[0].patterns[0]: must not be empty'],
    ['features of another model version', config('monitor', { model: { ...model('monitor'), features: ['pathLength'] } }), 'anomaly.model.features: expected pathLength,queryLength,paramCount,maxValueLength,bodyLength,headerCount,specialChars,percentEscapes,nonAlnumPercent,maxValueEntropy,whitespace,digitsPercent'],
    ['a route of another workload', config('monitor', { model: { ...model('monitor'), routes: { 'shop/web GET /': model('monitor').routes[`${WORKLOAD} GET /api/items`] } } }), 'anomaly.model.routes["shop/web GET /"]: a route of another workload (keys start with "shop/api ")'],
    ['a bad character mask', config('monitor', { model: { ...model('monitor'), routes: { [`${WORKLOAD} GET /`]: { mode: 'monitor', count: 1, limits: LIMITS, params: { q: { chars: 'zz', maxLength: 1, count: 1 } } } } } }), 'anomaly.model.routes["shop/api GET /"].params.q.chars: expected 32 hex digits'],
    ['11 limits', config('monitor', { model: { ...model('monitor'), global: { limits: LIMITS.slice(1) } } }), 'anomaly.model.global.limits: expected 12 numbers'],
  ];
  it.each(cases)('rejects %s', async (_, c, message) => {
    const { error, errors } = await rejectedConfig('anomaly', c);
    expect(error).not.toBeNull();
    expect(errors).toEqual([`meshguard anomaly: rejected plugin configuration: ${message}`]);
  });

  it('root contexts with different catalogues in one VM each match their own', async () => {
    const host = await WasmHost.load((await builtFilter('anomaly')).binary, { canary: false });
    const catalogue = (pattern: string) => ({ ...config('enforce'), anomaly: { mode: 'enforce', threshold: 1, signatures: [{ id: pattern, points: 1, patterns: [pattern] }] } });
    const a = new FilterChain([host.createPlugin({ name: 'a', configuration: JSON.stringify(catalogue('alpha')) })]);
    const b = new FilterChain([host.createPlugin({ name: 'b', configuration: JSON.stringify(catalogue('beta')) })]);
    const again = new FilterChain([host.createPlugin({ name: 'a2', configuration: JSON.stringify(catalogue('alpha')) })]);
    expect((await a.run({ headers: GET('/alpha') })).localReply?.status).toBe(403);
    expect((await a.run({ headers: GET('/beta') })).localReply).toBeNull();
    expect((await b.run({ headers: GET('/beta') })).localReply?.status).toBe(403);
    expect((await b.run({ headers: GET('/alpha') })).localReply).toBeNull();
    expect((await again.run({ headers: GET('/alpha') })).localReply?.status).toBe(403);
  });

  it('logs what it configured', async () => {
    const { host } = await anomaly(config('enforce', { model: model('monitor') }));
    expect(host.logs().map((l) => l.message)).toContain('meshguard anomaly: configured shop/api (policy v7, mode enforce, 24 signatures, model m1 with 1 routes)');
  });
});
