// A filter meshguard did not write (@gcoredev/proxy-wasm-sdk-as, packages/proxy-wasm-host/test/fixtures/sdk-filter.ts)
// in one chain with identity and anomaly, end to end: each sees the others' header edits, the
// first local reply ends decoding and is encoded back through the filters before it.
import { beforeAll, describe, expect, it } from 'vitest';
import { FilterChain, SharedDataStore, WasmHost } from '@meshguard/proxy-wasm-host';
import { buildSdkFilter } from '../../packages/proxy-wasm-host/test/helpers/probe.js';
import { builtFilter } from './build.js';
import { exampleConfig, FRONTEND, peer } from './filter-env.js';

async function chain() {
  const sdk = await WasmHost.load(await buildSdkFilter(), { canary: false, sharedData: new SharedDataStore() });
  const config = { ...exampleConfig(), anomaly: { mode: 'enforce', threshold: 10 } };
  const ours = async (name: string) => (await WasmHost.load((await builtFilter(name)).binary, { canary: false })).createPlugin({ name, configuration: JSON.stringify(config) });
  const plugins = [sdk.createPlugin({ name: 'gcore', configuration: 'deny=/admin' }), await ours('identity'), await ours('anomaly')];
  return new FilterChain(plugins);
}

const GET = (path: string) => ({ ':method': 'GET', ':path': path, ':authority': 'api.shop', ':scheme': 'http' });

describe('a third-party SDK filter chained with identity and anomaly', () => {
  // The asc builds (the SDK fixture and our filters) take long on a busy machine: once, up front.
  beforeAll(async () => {
    await buildSdkFilter();
    await Promise.all(['identity', 'anomaly'].map((name) => builtFilter(name)));
  }, 600_000);

  it('allows a clean request through all three, each adding its headers', async () => {
    const result = await (await chain()).run({ headers: GET('/api/items'), info: peer(FRONTEND) }, () => ({ status: 200, body: 'ok' }));
    const h = result.forwarded!.headers;
    expect(h.get('x-mg-source')).toBe('10.1.0.12:50000');
    expect(h.get('x-meshguard-rule')).toBe('web-to-api');
    expect(h.get('x-meshguard-anomaly-score')).toBe('0');
    expect(result.response?.status).toBe(200);
    expect(result.response?.headers.get('x-mg-response')).toBe('seen');
  });

  it('a denial by the third-party filter never reaches identity or anomaly', async () => {
    const result = await (await chain()).run({ headers: GET('/admin/users'), info: peer(FRONTEND) });
    expect(result.localReply).toMatchObject({ filter: 0, status: 403 });
  });

  it('an anomaly denial is encoded back through the third-party filter', async () => {
    const result = await (await chain()).run({ headers: GET('/api/items?q=%3Cscript%3E'), info: peer(FRONTEND) });
    expect(result.localReply).toMatchObject({ filter: 2, status: 403, details: 'meshguard_anomaly_denied' });
    expect(result.response?.headers.get('x-meshguard-reason')).toBe('anomaly-score');
    expect(result.response?.headers.get('x-mg-response')).toBe('seen');
  });
});
