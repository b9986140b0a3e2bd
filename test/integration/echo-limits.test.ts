// Attacker input the ext_authz server repeats (issue 12, item 10): a megabyte path becomes at
// most MAX_ECHO units in the gRPC status message and in each field of the decision log line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ECHO } from '../../control-plane/canon/echo.js';
import { EXAMPLE_POLICY } from '../helpers/cli.js';
import { check, checkClient, startServe, type CheckClient, type ServeProcess } from '../helpers/serve.js';
import { ensureDist } from '../parity/dist.js';

const long = '/admin/' + 'z'.repeat(1 << 20);
const request = {
  attributes: {
    source: { principal: 'spiffe://cluster.local/ns/shop/sa/frontend', address: { socketAddress: { address: '10.1.0.12', portValue: 5000 } } },
    destination: { address: { socketAddress: { address: '10.1.0.20', portValue: 8080 } } },
    request: { http: { method: 'GET', path: long, host: 'h'.repeat(100_000), headers: { ':path': long, ':method': 'GET' } } },
    contextExtensions: { 'meshguard.io/workload': 'shop/api' },
  },
};

describe('the ext_authz server echoes at most MAX_ECHO units of a request value', () => {
  let serve: ServeProcess;
  let client: CheckClient;
  beforeAll(async () => {
    await ensureDist();
    serve = await startServe(['--policy', EXAMPLE_POLICY, '--redis', 'none', '--log-allow-sample', '1']);
    client = checkClient(serve.authzPort);
  });
  afterAll(async () => {
    client?.close();
    await serve?.stop();
  });

  it('in the status message and the decision log line of a megabyte path', async () => {
    const res = await check(client, request);
    expect(res.deniedResponse?.status.code).toBe('Forbidden');
    expect(res.status.message!.length).toBeLessThan(2 * MAX_ECHO + 200);
    const line = await serve.waitForLog((l) => l.event === 'decision');
    expect(JSON.stringify(line).length).toBeLessThan(6 * MAX_ECHO);
    expect(String(line.path)).toMatch(/^\/admin\/z+…\(\d+ more\)$/);
    expect(String(line.host)).toMatch(/^h+…\(99744 more\)$/);
  });
});
