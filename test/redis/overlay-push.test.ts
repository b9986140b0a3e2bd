// Run-time state reaches the wasm filters over xDS: a quarantine (response.quarantine) is pushed in
// the filter configuration (ECDS) within a second, and its release too.
import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { AdsClient, decodeResources, nodeMessage, type SotwResponse } from '../../control-plane/xds/client.js';
import { runMeshguard } from '../helpers/cli.js';
import { quarantinePolicy, writePolicyFile } from '../helpers/policy.js';
import { REDIS_URL, sharedRedisAvailable } from '../helpers/redis.js';
import { check, checkClient, startServe, type CheckClient, type ServeProcess } from '../helpers/serve.js';

const available = await sharedRedisAvailable();
const ns = `o${randomUUID().slice(0, 8)}`;
const attacker = `spiffe://cluster.local/ns/${ns}/sa/web`;

/** The `quarantined` list of the identity filter's configuration in an ECDS response. */
function quarantinedIn(r: SotwResponse): string[] {
  const config = decodeResources(r)[0] as { typed_config?: { config?: { configuration?: { value?: Uint8Array | string } } } };
  const raw = config.typed_config?.config?.configuration?.value;
  const text = typeof raw === 'string' ? raw : Buffer.from(raw ?? []).toString('utf8');
  const json = JSON.parse(text.slice(text.indexOf('{'))) as { quarantined: string[] };
  return json.quarantined;
}

describe.skipIf(!available)('quarantine pushed to the filters over ECDS', () => {
  let serve: ServeProcess;
  let authz: CheckClient;
  let ads: AdsClient;
  afterAll(async () => {
    ads?.close();
    authz?.close();
    await serve?.stop();
  });

  it('adds the identity to every filter configuration within a second, and removes it on release', async () => {
    const file = writePolicyFile(quarantinePolicy(ns, 'overlay'), 'mg-overlay-');
    serve = await startServe(['--policy', file, '--redis', REDIS_URL, '--log-allow-sample', '0']);
    authz = checkClient(serve.authzPort);
    ads = AdsClient.sotw(`127.0.0.1:${serve.xdsPort}`, undefined, true);
    ads.send({ node: nodeMessage('api-sidecar', { 'meshguard.io/workload': `${ns}/api` }), resource_names: ['meshguard.identity'] });
    const first = await ads.next();
    expect(quarantinedIn(first)).toEqual([]);
    ads.send({ version_info: first.version_info, response_nonce: first.nonce, resource_names: ['meshguard.identity'] });

    const request = { attributes: { source: { principal: attacker }, request: { http: { method: 'GET', path: '/admin', headers: {} } }, contextExtensions: { 'meshguard.io/workload': `${ns}/api` } } };
    for (let i = 0; i < 15; i++) await check(authz, request);
    const started = Date.now();
    const pushed = await ads.next();
    // Pushed at once (pub/sub), not by the periodic re-read; the bound tolerates a busy machine.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(quarantinedIn(pushed)).toEqual([attacker]);
    ads.send({ version_info: pushed.version_info, response_nonce: pushed.nonce, resource_names: ['meshguard.identity'] });

    expect((await runMeshguard(['release', attacker, '--redis', REDIS_URL])).stdout).toBe(`released ${attacker}\n`);
    expect(quarantinedIn(await ads.next())).toEqual([]);
  });
});
