// Telemetry from anomaly.wasm and identity.wasm: observations batched per root context and
// POSTed with proxy_http_call to a cluster (registered in the host), as NDJSON lines the control
// plane's /telemetry endpoint accepts (FilterObservation → recordOfObservation).
import { describe, expect, it } from 'vitest';
import { FilterChain, WasmHost, type HttpCalloutRequest } from '@meshguard/proxy-wasm-host';
import { filterConfigFor, type FilterTelemetry } from '../../control-plane/filter-config/filter-config.js';
import { recordOfObservation, type FilterObservation } from '../../control-plane/telemetry/records.js';
import { compileYaml } from '../helpers/policy.js';
import { builtFilter } from './build.js';

const TELEMETRY: FilterTelemetry = { cluster: 'meshguard-telemetry', authority: 'meshguard-admin:9901', path: '/telemetry', maxBatch: 3, flushMs: 500 };
const FRONTEND = 'spiffe://cluster.local/ns/shop/sa/frontend';

function policy(mode: 'off' | 'monitor' | 'enforce') {
  return compileYaml(`apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: telemetry }
spec:
  trustDomain: cluster.local
  defaults: { inbound: deny, egress: deny, mtls: strict }
  workloads:
    - { name: frontend, namespace: shop, serviceAccount: frontend, labels: { tier: web } }
    - { name: api, namespace: shop, serviceAccount: api, labels: { tier: api } }
  segments:
    - name: web-to-api
      to: { matchLabels: { tier: api } }
      from: [{ matchLabels: { tier: web } }]
      rules: [{ methods: [GET, POST], paths: ["/api/*"] }]
  anomaly: { mode: ${mode}, threshold: 10 }
`);
}

interface Posted { request: HttpCalloutRequest; lines: FilterObservation[] }

async function setup(mode: 'off' | 'monitor' | 'enforce', answer: (r: HttpCalloutRequest) => { status: number } = () => ({ status: 202 })) {
  const p = policy(mode);
  const configuration = JSON.stringify(filterConfigFor(p, p.workloads.get('shop/api')!, null, { telemetry: TELEMETRY }));
  const posted: Posted[] = [];
  const load = async (name: string) => {
    const host = await WasmHost.load((await builtFilter(name)).binary, { canary: false });
    host.registerCluster(TELEMETRY.cluster, (request) => {
      const text = Buffer.from(request.body).toString('utf8');
      posted.push({ request, lines: text.trimEnd().split('\n').map((l) => JSON.parse(l) as FilterObservation) });
      return answer(request);
    });
    return { host, plugin: host.createPlugin({ name, configuration }) };
  };
  const identity = await load('identity');
  const anomaly = await load('anomaly');
  return { identity, anomaly, posted, chain: new FilterChain([identity.plugin, anomaly.plugin]) };
}

const info = (principal: string | null) => ({
  connection: { source: '10.1.0.12:50000', destination: '10.1.0.20:8080', tls: principal === null ? null : { peerCertificate: { uriSans: [principal] } } },
});
const get = (path: string) => ({ ':method': 'GET', ':path': path, ':authority': 'api', ':scheme': 'http' });

async function send(chain: FilterChain, hosts: WasmHost[], requests: [string, string | null][]) {
  for (const [path, principal] of requests) await chain.run({ headers: get(path), info: info(principal) });
  for (const h of hosts) await h.settle();
}

describe('filter telemetry', () => {
  it('is off unless filterConfigFor is asked for it', () => {
    const p = policy('monitor');
    expect(filterConfigFor(p, p.workloads.get('shop/api')!).telemetry).toBeUndefined();
    expect(filterConfigFor(p, p.workloads.get('shop/api')!, null, { telemetry: TELEMETRY }).telemetry).toEqual(TELEMETRY);
  });

  it('posts a full batch as NDJSON with the call headers Envoy requires, one observation per request', async () => {
    const { identity, anomaly, posted, chain } = await setup('monitor');
    await send(chain, [identity.host, anomaly.host], [
      ['/api/a', FRONTEND], ["/api/b?q=' or 1=1", FRONTEND], ['/api/c', FRONTEND], ['/admin', FRONTEND], ['/api/d', null],
    ]);
    // anomaly saw the 3 allowed requests (a full batch); identity holds its 2 denials until the tick.
    expect(posted).toHaveLength(1);
    const { request, lines } = posted[0]!;
    expect(request.cluster).toBe('meshguard-telemetry');
    expect(request.headers.get(':method')).toBe('POST');
    expect(request.headers.get(':path')).toBe('/telemetry');
    expect(request.headers.get(':authority')).toBe('meshguard-admin:9901');
    expect(request.headers.get('content-type')).toBe('application/x-ndjson');
    expect(lines).toEqual([
      { workload: 'shop/api', source: FRONTEND, method: 'GET', path: '/api/a', status: 200, score: 0 },
      { workload: 'shop/api', source: FRONTEND, method: 'GET', path: "/api/b?q=' or 1=1", status: 200, score: 10, hits: 'sqli:tautology@q:q' },
      { workload: 'shop/api', source: FRONTEND, method: 'GET', path: '/api/c', status: 200, score: 0 },
    ]);
    for (const line of lines) expect(typeof recordOfObservation(line, 0)).toBe('object');
    expect(recordOfObservation(lines[1], 0)).toMatchObject({ sc: 10, h: ['sqli:tautology@q:q'] });

    expect(identity.plugin.tick()).toBeGreaterThan(0);
    await identity.host.settle();
    expect(posted).toHaveLength(2);
    expect(posted[1]!.lines).toEqual([
      { workload: 'shop/api', source: FRONTEND, method: 'GET', path: '/admin', status: 403 },
      { workload: 'shop/api', method: 'GET', path: '/api/d', status: 403 },
    ]);
    expect(anomaly.plugin.metrics().find((m) => m.name === 'meshguard_telemetry_dropped')?.value ?? 0n).toBe(0n);
  });

  it('with scoring off, identity reports the allowed requests too', async () => {
    const { identity, anomaly, posted, chain } = await setup('off');
    await send(chain, [identity.host, anomaly.host], [['/api/a', FRONTEND], ['/admin', FRONTEND]]);
    identity.plugin.tick();
    anomaly.plugin.tick();
    await identity.host.settle();
    expect(posted.flatMap((p) => p.lines).map((l) => [l.path, l.status])).toEqual([['/api/a', 200], ['/admin', 403]]);
  });

  it('escapes what a client sent into valid JSON', async () => {
    const { identity, anomaly, posted, chain } = await setup('monitor');
    const allowed = '/api/"quoted"?é=😀&x=\'';
    const denied = '/api/back\\slash\ttab';
    await send(chain, [identity.host, anomaly.host], [[allowed, FRONTEND], [denied, FRONTEND]]);
    for (const f of [identity, anomaly]) {
      f.plugin.tick();
      await f.host.settle();
    }
    expect(posted.flatMap((p) => p.lines).map((l) => [l.path, l.status]).sort()).toEqual([[allowed, 200], [denied, 400]].sort());
  });

  it('a failed call (reset or error status) drops its batch and counts the observations', async () => {
    let calls = 0;
    const { anomaly, posted, chain, identity } = await setup('monitor', () => {
      calls++;
      if (calls === 1) throw new Error('connection reset');
      return { status: 503 };
    });
    await send(chain, [identity.host, anomaly.host], [['/api/1', FRONTEND], ['/api/2', FRONTEND], ['/api/3', FRONTEND], ['/api/4', FRONTEND]]);
    anomaly.plugin.tick();
    await anomaly.host.settle();
    expect(posted).toHaveLength(2);
    expect(anomaly.host.metric('meshguard_telemetry_dropped')).toBe(4n);
    const warnings = anomaly.host.logs().filter((l) => l.level === 'warn').map((l) => l.message);
    expect(warnings).toEqual([
      'meshguard telemetry: dropped 3 observations: telemetry call failed',
      'meshguard telemetry: dropped 1 observations: telemetry endpoint answered with an error',
    ]);
  });

  it('a cluster Envoy does not know drops the batch at once', async () => {
    const { anomaly, chain, identity } = await setup('monitor');
    anomaly.host.unregisterCluster(TELEMETRY.cluster);
    await send(chain, [identity.host, anomaly.host], [['/api/1', FRONTEND], ['/api/2', FRONTEND], ['/api/3', FRONTEND]]);
    expect(anomaly.host.metric('meshguard_telemetry_dropped')).toBe(3n);
  });

  it('rejects a malformed telemetry section', async () => {
    const p = policy('monitor');
    const config = filterConfigFor(p, p.workloads.get('shop/api')!, null, { telemetry: { ...TELEMETRY, path: 'telemetry' } });
    for (const name of ['identity', 'anomaly']) {
      const host = await WasmHost.load((await builtFilter(name)).binary);
      expect(() => host.createPlugin({ name, configuration: JSON.stringify(config) })).toThrow(/Failed to configure/);
      expect(host.logs().map((l) => l.message)).toContain(`meshguard ${name}: rejected plugin configuration: telemetry.path: must start with /`);
    }
  });
});
