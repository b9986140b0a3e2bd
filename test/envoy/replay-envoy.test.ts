// `meshguard replay --envoy`: the replay/check contract (one line out per line in, in order; a bad
// line gives {"error"} and exit 2) with a real Envoy deciding, and per-line errors naming each
// field a real client cannot make Envoy see.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runMeshguard } from '../helpers/cli.js';
import { ENVOY_BIN } from '../helpers/envoy.js';
import { ensureDist } from '../parity/dist.js';
import { builtFilter } from '../wasm/build.js';

const FRONTEND = 'spiffe://cluster.local/ns/shop/sa/frontend';

function request(o: { principal?: string; source?: string; port?: number; method?: string; path?: string; protocol?: string; headers?: Record<string, string>; ext?: Record<string, string>; body?: string; noDestination?: boolean }) {
  return JSON.stringify({
    attributes: {
      source: { ...(o.principal ? { principal: o.principal } : {}), address: { socketAddress: { address: o.source ?? '127.0.0.1', portValue: 40000 } } },
      ...(o.noDestination ? {} : { destination: { address: { socketAddress: { address: '10.1.0.20', portValue: o.port ?? 8080 } } } }),
      request: { http: { method: o.method ?? 'GET', path: o.path ?? '/api/items', host: 'api.shop', protocol: o.protocol ?? 'HTTP/1.1', headers: { 'user-agent': 'test/1', ...o.headers }, ...(o.body ? { body: o.body } : {}) } },
      contextExtensions: o.ext ?? { 'meshguard.io/workload': 'shop/api' },
    },
  });
}

const decided = [
  request({ principal: FRONTEND }),
  request({ principal: FRONTEND, protocol: 'HTTP/2', path: '/api/items?page=2' }),
  request({ principal: FRONTEND, method: 'DELETE', path: '/api/items/1' }),
  request({ principal: FRONTEND, path: '/api/..%2fadmin' }),
  request({ principal: FRONTEND, protocol: 'HTTP/2', path: '/api/%2e%2e;/admin' }),
  request({}),
  request({ principal: 'spiffe://cluster.local/ns/monitoring/sa/scraper', path: '/metrics' }),
  request({ principal: FRONTEND, method: 'POST', path: '/api/orders', headers: { 'content-type': 'application/json' }, body: '{"n":1}' }),
  request({ noDestination: true, ext: { 'meshguard.io/workload': 'shop/api', 'meshguard.io/direction': 'outbound' }, path: '/v1' }),
  // A path field and a :path that differ are no single request: 400, as in every enforcer (DESIGN.md "Requests").
  request({ principal: FRONTEND, headers: { ':path': '/other' } }),
];

const undecidable: [string, RegExp][] = [
  [request({ principal: FRONTEND, source: '10.1.0.12' }), /attributes\.source\.address\.socketAddress\.address: 10\.1\.0\.12 is not an address of this machine/],
  [request({ principal: FRONTEND, source: '2001:db8::7' }), /attributes\.source\.address\.socketAddress\.address: .*IPv6/],
  [request({ principal: FRONTEND, port: 9999 }), /attributes\.destination\.address\.socketAddress\.portValue: 9999: the sidecar listens at 8080/],
  [request({ principal: FRONTEND, ext: { 'meshguard.io/workload': 'shop/payments' } }), /attributes\.contextExtensions\["meshguard\.io\/workload"\]: names shop\/payments/],
  [request({ principal: FRONTEND, protocol: 'HTTP/3' }), /attributes\.request\.http\.protocol: "HTTP\/3"/],
  [request({ principal: FRONTEND, ext: { 'meshguard.io/workload': 'shop/api', 'meshguard.io/direction': 'outbound' } }), /attributes\.source\.principal: an outbound request comes from the application/],
];

describe.skipIf(!ENVOY_BIN)('meshguard replay --envoy', () => {
  let wasmDir: string;
  beforeAll(async () => {
    await ensureDist();
    wasmDir = path.dirname((await Promise.all(['identity', 'anomaly', 'egress'].map((n) => builtFilter(n))))[0]!.file);
  }, 180_000);

  it('prints what check prints for the lines a client can send, and an error naming the field for the others', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshguard-replay-envoy-'));
    const file = path.join(dir, 'requests.jsonl');
    const lines = [...decided, ...undecidable.map(([l]) => l), 'not json'];
    writeFileSync(file, lines.join('\n') + '\n');
    const envoyRun = await runMeshguard(['replay', '--envoy', '--envoy-bin', ENVOY_BIN!, '--policy', 'examples/shop.yaml', '--workload', 'shop/api', '--requests', file, '--wasm-dir', wasmDir]);
    const check = await runMeshguard(['check', '--policy', 'examples/shop.yaml', '--requests', file]);
    expect(envoyRun.stderr).toBe('');
    expect(envoyRun.code).toBe(2);
    const got = jsonLines(envoyRun.stdout);
    const want = jsonLines(check.stdout);
    expect(got).toHaveLength(lines.length);
    const pick = (v: Record<string, unknown>) => ({ decision: v.decision, status: v.status, ...(v.decision === 'allow' ? { rule: v.rule } : {}) });
    expect(got.slice(0, decided.length).map(pick)).toEqual(want.slice(0, decided.length).map(pick));
    expect(got.slice(0, decided.length).map((v) => v.decision)).toContain('allow');
    undecidable.forEach(([, pattern], i) => expect(String(got[decided.length + i]!.error)).toMatch(pattern));
    expect(got.at(-1)!.error).toMatch(new RegExp(`^line ${lines.length}: invalid JSON`));
  }, 180_000);
});
