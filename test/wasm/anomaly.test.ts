// anomaly.wasm in the proxy-wasm host: modes, the score header, enforcement (detectors on every
// route, the learned models only on routes in enforce), bodies (buffered to their end, trailers
// included), counters and the score histogram, configuration errors.
import { beforeAll, describe, expect, it } from 'vitest';
import { FilterChain, WasmHost } from '@meshguard/proxy-wasm-host';
import { builtFilter } from './build.js';
import { rejectedConfig } from './filter-env.js';

const WORKLOAD = 'shop/api';

function config(mode: string, extra: Record<string, unknown> = {}, threshold = 10) {
  return { version: 'v7', workload: WORKLOAD, anomaly: { mode, threshold, ...extra } };
}

/** A route `GET /api/items` in `routeMode` whose one parameter `q` held short lower-case words. */
function route(routeMode: string) {
  return {
    mode: routeMode, count: 200, calibration: 8,
    params: { 'q:q': { count: 200, length: [5, 1], icd: [0.3, 0.4, 0.3, 0, 0, 0], classes: '0000000000000001', shapes: ['a'] } },
    required: ['q:q'], order: [],
  };
}

function model(routeMode: string, routes: Record<string, unknown> = { [`${WORKLOAD} GET /api/items`]: route(routeMode) }) {
  return { version: 'm1', workloadSamples: 500, routes };
}

async function anomaly(c: unknown) {
  const host = await WasmHost.load((await builtFilter('anomaly')).binary, { logLevel: 'debug' });
  const plugin = host.createPlugin({ name: 'anomaly', configuration: JSON.stringify(c) });
  const chain = new FilterChain([plugin]);
  return { host, plugin, chain };
}

/** The last score line of the filter's debug log. */
const scoreLine = (host: WasmHost) => host.logs().map((l) => l.message).filter((m) => m.startsWith('meshguard anomaly: score')).at(-1);

const GET = (path: string) => ({ ':method': 'GET', ':path': path, ':authority': 'api', ':scheme': 'http' });
const POST = (path: string, type = 'application/json') => ({ ':method': 'POST', ':path': path, ':authority': 'api', ':scheme': 'http', 'content-type': type });

beforeAll(() => builtFilter('anomaly'), 180_000);

describe('anomaly modes', () => {
  it('off: passes requests through untouched, scores nothing', async () => {
    const { chain, host } = await anomaly(config('off'));
    const r = await chain.run({ headers: GET("/api/items?q=' or 1=1--") });
    expect(r.forwarded?.headers.has('x-meshguard-anomaly-score')).toBe(false);
    expect(host.metric('meshguard_anomaly_scored')).toBe(0n);
  });

  it('monitor: sets the score header (replacing a client\'s), never denies', async () => {
    const { chain, host } = await anomaly(config('monitor'));
    const r = await chain.run({ headers: { ...GET('/api/items?q=1 union select 1,2--'), 'x-meshguard-anomaly-score': '0' } });
    expect(r.localReply).toBeNull();
    expect(r.forwarded?.headers.getAll('x-meshguard-anomaly-score')).toEqual(['10']);
    expect(scoreLine(host)).toBe('meshguard anomaly: score 10 detectors 10 allow route shop/api GET /api/items hits sqli:union@q:q');
    expect(host.metric('meshguard_anomaly_scored')).toBe(1n);
    expect(host.metric('meshguard_anomaly_denied')).toBe(0n);
  });

  it('enforce: a 403 local reply with x-meshguard-reason and a short body at the threshold', async () => {
    const { chain, host } = await anomaly(config('enforce'));
    const r = await chain.run({ headers: GET('/api/items?q=<script>alert(1)</script>') });
    expect(r.localReply).toMatchObject({ status: 403, details: 'meshguard_anomaly_denied' });
    expect(r.response?.headers.get('x-meshguard-reason')).toBe('anomaly-score');
    expect(Buffer.from(r.response!.body).toString()).toBe('meshguard: access denied\n');
    // a JavaScript call without a quote break or tag: 6 points, below the threshold
    const below = await chain.run({ headers: GET('/api/items?q=alert(1)') });
    expect(below.forwarded?.headers.get('x-meshguard-anomaly-score')).toBe('6');
    expect(host.metric('meshguard_anomaly_denied')).toBe(1n);
    const histogram = host.metrics().find((m) => m.name === 'meshguard_anomaly_score');
    expect(histogram?.histogram).toMatchObject({ count: 2, sum: 16n, max: 10n });
  });

  it('detectors add up across families (each family counts once, at its strongest field)', async () => {
    const { chain, host } = await anomaly(config('monitor'));
    // the JNDI lookup names an LDAP URL: the SSRF detector sees a dangerous scheme too
    await chain.run({ headers: { ...GET('/api/items?a=<script>&b=<svg onload=x>&c=../../etc/passwd'), 'x-api-version': '${jndi:ldap://x.example/a}' } });
    expect(scoreLine(host)).toBe('meshguard anomaly: score 40 detectors 40 allow route shop/api GET /api/items hits jndi@h:x-api-version,ssrf@h:x-api-version,xss@q:a,traversal@q:c');
  });

  it('an unknown mode is a rejected configuration', async () => {
    const { error, errors } = await rejectedConfig('anomaly', { anomaly: { mode: 'sometimes' } });
    expect(error).not.toBeNull();
    expect(errors).toEqual(['meshguard anomaly: rejected plugin configuration: anomaly.mode: expected one of off | monitor | enforce, got "sometimes"']);
  });
});

describe('learned routes', () => {
  it('enforce denies on the model score only on a route the model put in enforce', async () => {
    const path = `/api/items?q=${'A'.repeat(101)}`;
    for (const [routeMode, denied] of [['monitor', false], ['enforce', true]] as const) {
      const { chain, host } = await anomaly(config('enforce', { model: model(routeMode) }));
      const r = await chain.run({ headers: GET(path) });
      expect(r.localReply !== null, routeMode).toBe(denied);
      const line = scoreLine(host)!;
      expect(line).toMatch(new RegExp(`^meshguard anomaly: score (\\S+) detectors 0 ${denied ? 'deny' : 'allow'} route ${WORKLOAD} GET /api/items hits model:length\\+chars\\+classes@q:q$`));
      expect(Number(line.split(' ')[3])).toBeGreaterThanOrEqual(10);
    }
  });

  it('a value like the training values scores 0; a missing required parameter and an unknown one score', async () => {
    const { chain, host } = await anomaly(config('monitor', { model: model('enforce') }));
    const ok = await chain.run({ headers: GET('/api/items?q=shoes') });
    expect(ok.forwarded?.headers.get('x-meshguard-anomaly-score')).toBe('0');
    await chain.run({ headers: GET('/api/items?debug=1') });
    expect(scoreLine(host)).toMatch(/ hits model:unknown-param@q:debug,model:missing-param$/);
  });

  it('the calibration scales the model points of its route', async () => {
    const path = '/api/items?q=Shoes';
    const scores: number[] = [];
    for (const calibration of [8, 16]) {
      const { chain } = await anomaly(config('monitor', { model: model('enforce', { [`${WORKLOAD} GET /api/items`]: { ...route('enforce'), calibration } }) }));
      scores.push(Number((await chain.run({ headers: GET(path) })).forwarded?.headers.get('x-meshguard-anomaly-score')));
    }
    expect(scores[0]).toBeGreaterThan(0);
    expect(scores[1]).toBeCloseTo(scores[0]! / 2, 1);
  });

  it('an unknown route of a well-sampled workload scores', async () => {
    const { chain, host } = await anomaly(config('monitor', { model: model('enforce') }));
    const r = await chain.run({ headers: GET('/never/seen') });
    expect(Number(r.forwarded?.headers.get('x-meshguard-anomaly-score'))).toBeGreaterThan(0);
    expect(scoreLine(host)).toMatch(/ hits route:unknown$/);
  });
});

describe('bodies', () => {
  it('are buffered to their end and scored there; headers go on first (Envoy would not deliver the body to a filter that stopped them)', async () => {
    const { chain, host } = await anomaly(config('enforce'));
    const r = await chain.run({ headers: POST('/api/orders'), body: ['{"note":"<scr', 'ipt>"}'] });
    expect(r.localReply?.status).toBe(403);
    expect(scoreLine(host)).toBe('meshguard anomaly: score 10 detectors 10 deny route shop/api POST /api/orders hits xss@b:note');
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
    const r = await chain.run({ headers: POST('/api/orders?next=../../etc/passwd'), body: 'x' });
    expect(r.localReply?.status).toBe(403);
    expect(host.logs().map((l) => l.message)).toContain('meshguard anomaly: score 10 detectors (headers) 10 deny route shop/api POST /api/orders hits traversal@q:next');
  });
});

describe('configuration', () => {
  const routeKey = `${WORKLOAD} GET /api/items`;
  const withRoute = (patch: Record<string, unknown>) => config('monitor', { model: model('monitor', { [routeKey]: { ...route('monitor'), ...patch } }) });
  const withParam = (patch: Record<string, unknown>) => withRoute({ params: { 'q:q': { ...route('monitor').params['q:q'], ...patch } } });
  const at = `anomaly.model.routes["${routeKey}"]`;
  const cases: [string, unknown, string][] = [
    ['no anomaly section', { workload: WORKLOAD }, 'anomaly: required field is missing'],
    ['a route of another workload', config('monitor', { model: model('monitor', { 'shop/web GET /': route('monitor') }) }), 'anomaly.model.routes["shop/web GET /"]: a route of another workload (keys start with "shop/api ")'],
    ['an unknown route mode', withRoute({ mode: 'sometimes' }), `${at}.mode: expected one of learn | monitor | enforce, got "sometimes"`],
    ['a calibration below 1', withRoute({ calibration: 0 }), `${at}.calibration: expected a number in 1..1000000000`],
    ['a bad class mask', withParam({ classes: 'zz' }), `${at}.params["q:q"].classes: expected 16 hex digits`],
    ['five ICD bins', withParam({ icd: [1, 0, 0, 0, 0] }), `${at}.params["q:q"].icd: expected 6 numbers`],
    ['a length without its variance', withParam({ length: [5] }), `${at}.params["q:q"].length: expected 2 numbers`],
    ['a value hash over 32 bits', withParam({ values: [4294967296] }), `${at}.params["q:q"].values[0]: expected a 32-bit hash`],
    ['a required parameter the route lacks', withRoute({ required: ['q:x'] }), `${at}.required[0]: not a parameter of the route`],
    ['an order that is not pairs', withRoute({ order: ['q:q'] }), `${at}.order: expected pairs of names`],
  ];
  it.each(cases)('rejects %s', async (_, c, message) => {
    const { error, errors } = await rejectedConfig('anomaly', c);
    expect(error).not.toBeNull();
    expect(errors).toEqual([`meshguard anomaly: rejected plugin configuration: ${message}`]);
  });

  it('root contexts with different configurations in one VM each use their own', async () => {
    const host = await WasmHost.load((await builtFilter('anomaly')).binary, { canary: false });
    const path = `/api/items?q=${'A'.repeat(101)}`;
    const strict = new FilterChain([host.createPlugin({ name: 'a', configuration: JSON.stringify(config('enforce', { model: model('enforce') })) })]);
    const learning = new FilterChain([host.createPlugin({ name: 'b', configuration: JSON.stringify(config('enforce', { model: model('learn') })) })]);
    const lax = new FilterChain([host.createPlugin({ name: 'c', configuration: JSON.stringify(config('enforce', {}, 100)) })]);
    expect((await strict.run({ headers: GET(path) })).localReply?.status).toBe(403);
    expect((await learning.run({ headers: GET(path) })).localReply).toBeNull();
    expect((await lax.run({ headers: GET('/api/items?q=<script>') })).localReply).toBeNull();
    expect((await strict.run({ headers: GET('/api/items?q=<script>') })).localReply?.status).toBe(403);
  });

  it('logs what it configured', async () => {
    const { host } = await anomaly(config('enforce', { model: model('monitor') }));
    expect(host.logs().map((l) => l.message)).toContain('meshguard anomaly: configured shop/api (policy v7, mode enforce, model m1 with 1 routes)');
  });
});
