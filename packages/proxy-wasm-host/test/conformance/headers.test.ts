// Conformance, header callbacks: the gcore/headers.ts module (G-Core SDK) in Envoy and in this
// host, the same requests, the traces and the client's view compared. See ./README.md.
import { describe, expect, it } from 'vitest';
import { ENVOY_BIN } from '../helpers/envoy.js';
import { moduleRuns, withoutPairs } from './harness.js';

const SETUP = { module: 'headers', name: 'conform' };

/**
 * After the encoder filters ran, Envoy's connection manager adds `date` and `server` to the
 * response and replaces the upstream's hop-by-hop `connection: keep-alive` by its own
 * `connection: close` (the client asked for it); on_log sees that, the host has no connection
 * manager. Those three fields are dropped from the on_log block only, on both sides.
 */
const normalize = (trace: readonly string[]) => withoutPairs(trace, /^log /, 'response pairs', ['date', 'server', 'connection']);

describe.skipIf(!ENVOY_BIN)('conformance: header callbacks (G-Core SDK module, Envoy vs host)', () => {
  const { compare } = moduleRuns(SETUP, normalize);

  it('GET: reading, add (twice), replace (present and absent), remove (present and absent), mixed-case names', async () => {
    const { e } = await compare({
      method: 'GET',
      path: '/a?b=1',
      headers: [['x-conform-multi', 'm1'], ['x-conform-multi', 'm2'], ['X-Conform-Case', 'Mixed'], ['x-conform-remove', 'r']],
    });
    // What the comparison covered (so that an empty trace cannot pass).
    expect(e.trace[0]).toBe('request_headers 2 count=9 eos=1');
    expect(e.trace).toContain('  add x-in-log r=2');
    expect(e.seen.headers).toContainEqual(['x-upstream', 'replaced']);
  });

  it('POST with a body: end_of_stream false at headers, content-length in the map', async () => {
    const { e } = await compare({ method: 'POST', path: '/post', headers: [['content-type', 'text/plain']], body: ['hello body'] });
    expect(e.trace[0]).toMatch(/^request_headers \d+ count=7 eos=0$/);
    expect(e.trace[1]).toMatch(/^ {2}pairs r=0 n=7 .*,content-length:10,/);
  });

  it('a second request on a new connection gets the next context id', async () => {
    const id = (trace: readonly string[]) => Number(/^request_headers (\d+) /.exec(trace[0] ?? '')?.[1]);
    const first = await compare({ method: 'GET', path: '/again' });
    const second = await compare({ method: 'GET', path: '/again' });
    expect(id(first.e.trace)).toBeGreaterThan(0);
    expect(id(second.e.trace)).toBe(id(first.e.trace) + 1);
  });
});
