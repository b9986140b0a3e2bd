// Conformance, properties: the gcore/properties.ts module (G-Core SDK) reads attributes in each
// stream callback, in Envoy and in this host. See ./README.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVOY_BIN, stopAllEnvoys } from '../helpers/envoy.js';
import {
  connectionInfo, hcmBodyChunks, hcmRequestHeaders, startEnvoyRun, startHostRun, throughEnvoy, throughHost,
  START_TIMEOUT_MS, type EnvoyRun, type Exchange, type HostRun,
} from './harness.js';

const SETUP = { module: 'properties', name: 'conform' };

describe.skipIf(!ENVOY_BIN)('conformance: properties (G-Core SDK module, Envoy vs host)', () => {
  let envoy: EnvoyRun | undefined;
  let host: HostRun;
  beforeAll(async () => {
    envoy = await startEnvoyRun(SETUP);
    host = await startHostRun(SETUP);
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await envoy?.close();
    await stopAllEnvoys();
  });

  async function compare(ex: Exchange) {
    const e = await throughEnvoy(envoy!, ex);
    const h = await throughHost(host, {
      headers: hcmRequestHeaders(ex),
      body: hcmBodyChunks(ex),
      info: {
        ...connectionInfo(e, envoy!),
        route: { clusterName: 'upstream', routeName: 'to-upstream' },
        upstream: { address: `127.0.0.1:${envoy!.upstream.port}` },
      },
    });
    expect(h.trace).toEqual(e.trace);
    expect(h.seen).toEqual(e.seen);
    return { e, h };
  }

  it('GET with a query, a referer and a user agent', async () => {
    const { e } = await compare({
      method: 'GET',
      path: '/p/a%20b?q=1&r=2',
      headers: [['x-conform', 'yes'], ['referer', 'http://ref.example/'], ['user-agent', 'conform-client/1']],
    });
    expect(e.trace[0]).toMatch(/^request_headers \d+$/);
  });

  it('POST with a body', async () => {
    await compare({ method: 'POST', path: '/submit', headers: [['content-type', 'text/plain']], body: ['0123456789'] });
  });
});
