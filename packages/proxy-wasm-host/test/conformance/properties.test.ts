// Conformance, properties: the gcore/properties.ts module (G-Core SDK) reads attributes in each
// stream callback, in Envoy and in this host. See ./README.md.
import { describe, expect, it } from 'vitest';
import { ENVOY_BIN } from '../helpers/envoy.js';
import { moduleRuns, type Exchange } from './harness.js';

const SETUP = { module: 'properties', name: 'conform' };

describe.skipIf(!ENVOY_BIN)('conformance: properties (G-Core SDK module, Envoy vs host)', () => {
  const runs = moduleRuns(SETUP);
  const compare = (ex: Exchange) => runs.compare(ex, (_e, envoy) => ({
    route: { clusterName: 'upstream', routeName: 'to-upstream' },
    upstream: { address: `127.0.0.1:${envoy.upstream.port}` },
  }));

  it('GET with a query, a referer and a user agent', async () => {
    const { e } = await compare({
      method: 'GET',
      path: '/p/a%20b?q=1&r=2',
      headers: [['x-conform', 'yes'], ['referer', 'http://ref.example/'], ['user-agent', 'conform-client/1']],
    });
    expect(e.trace[0]).toMatch(/^request_headers \d+$/);
  });

  it('POST with a body', async () => {
    const { e } = await compare({ method: 'POST', path: '/submit', headers: [['content-type', 'text/plain']], body: ['0123456789'] });
    // The body's data callbacks ran and read request.size (the comparison covers their values).
    expect(e.trace.filter((l) => l.startsWith('request_body '))).toHaveLength(2);
    expect(e.trace.filter((l) => l.startsWith('  request.size r=0 '))).not.toHaveLength(0);
  });
});
