// `serve --xds-port none`: an ext_authz-only deployment runs no xDS server (and loads none of it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_POLICY, runMeshguard } from '../helpers/cli.js';
import { check, checkClient, httpGet, startServe, type CheckClient, type ServeProcess } from '../helpers/serve.js';

const request = {
  attributes: {
    source: { principal: 'spiffe://cluster.local/ns/shop/sa/frontend' },
    destination: { address: { socketAddress: { address: '10.1.0.20', portValue: 8080 } } },
    request: { http: { method: 'GET', path: '/api/items', headers: {} } },
    contextExtensions: { 'meshguard.io/workload': 'shop/api' },
  },
};

describe('serve --xds-port none', () => {
  let serve: ServeProcess;
  let client: CheckClient;

  beforeAll(async () => {
    serve = await startServe(['--policy', EXAMPLE_POLICY, '--redis', 'none', '--xds-port', 'none']);
    client = checkClient(serve.authzPort);
  });

  afterAll(async () => {
    client?.close();
    await serve?.stop();
  });

  it('answers Check and has no xDS port or status', async () => {
    const listening = serve.logs.find((l) => l.event === 'listening')!;
    expect(listening).not.toHaveProperty('xdsPort');
    expect((await check(client, request)).status.code).toBe(0);
    const status = JSON.parse((await httpGet(serve.adminPort, '/status')).body) as Record<string, unknown>;
    expect(status).toHaveProperty('policy');
    expect(status).not.toHaveProperty('xds');
  });

  it('refuses a port that is neither a number nor none', async () => {
    const r = await runMeshguard(['serve', '--policy', EXAMPLE_POLICY, '--xds-port', 'off']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--xds-port must be a port number (0-65535) or none');
  });
});
