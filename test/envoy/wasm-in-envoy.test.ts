// The built filters load and decide in a real Envoy's V8 runtime: a static listener with the
// workload's filter configuration (the same JSON ECDS pushes), a direct response behind it.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filterConfigFor } from '../../control-plane/filter-config/filter-config.js';
import { loadCompiledPolicy } from '../../control-plane/policy/load.js';
import type { EnvoyProcess } from '../../control-plane/envoy/process.js';
import { EXAMPLE_POLICY } from '../helpers/cli.js';
import { ENVOY_BIN, envoy, stopAllEnvoys } from '../helpers/envoy.js';
import { builtFilter } from '../wasm/build.js';

function wasmFilter(name: string, file: string, configuration: string) {
  return {
    name: `meshguard.${name}`,
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm',
      config: {
        name,
        root_id: name,
        vm_config: { vm_id: name, runtime: 'envoy.wasm.runtime.v8', code: { local: { filename: file } } },
        configuration: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: configuration },
        fail_open: false,
      },
    },
  };
}

function bootstrap(filters: object[]) {
  return {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: [{
        name: 'inbound',
        address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
        filter_chains: [{
          filters: [{
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              stat_prefix: 'inbound',
              route_config: { virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: 'upstream' } } }] }] },
              http_filters: [...filters, { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
            },
          }],
        }],
      }],
    },
  };
}

function get(port: number, path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject).end();
  });
}

describe.skipIf(!ENVOY_BIN)('the wasm filters in a real Envoy (V8)', () => {
  let proxy: EnvoyProcess;
  let port: number;

  beforeAll(async () => {
    const loaded = await loadCompiledPolicy(EXAMPLE_POLICY);
    if (!loaded.ok) throw new Error('example policy does not load');
    const workload = loaded.compiled.workloads.get('shop/api')!;
    const config = JSON.stringify(filterConfigFor(loaded.compiled, workload));
    proxy = await envoy({
      bootstrap: bootstrap([
        wasmFilter('noop', (await builtFilter('noop')).file, '{}'),
        wasmFilter('identity', (await builtFilter('identity')).file, config),
        wasmFilter('anomaly', (await builtFilter('anomaly')).file, config),
      ]),
    });
    await proxy.waitForStats((s) => s.get('listener_manager.workers_started') === 1);
    port = await proxy.listenerPort('inbound');
  });
  afterAll(stopAllEnvoys);

  it('loads every module: Envoy reports the V8 runtime and no failed VM', async () => {
    const stats = await proxy.stats('wasm');
    expect(stats.get('wasm.envoy.wasm.runtime.v8.active')).toBeGreaterThanOrEqual(3);
    expect([...stats].filter(([k, v]) => /failed|fail_open|fail_closed/.test(k) && v > 0)).toEqual([]);
  });

  it('denies a plaintext request under strict mTLS with the rule headers of a local reply', async () => {
    const res = await get(port, '/api/items');
    expect(res.status).toBe(403);
    expect(res.headers['x-meshguard-reason']).toMatch(/mtls|identity|principal/i);
    expect(res.body).toBe('meshguard: access denied\n');
  });

  it('denies a missing peer identity (step 4) before it looks at a bad path (step 5)', async () => {
    const res = await get(port, '/api/..%2f..%2fetc/passwd');
    expect(res.status).toBe(403);
    expect(res.headers['x-meshguard-reason']).toBe((await get(port, '/api/items')).headers['x-meshguard-reason']);
  });
});
