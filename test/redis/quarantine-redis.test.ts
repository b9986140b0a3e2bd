import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { runMeshguard } from '../helpers/cli.js';
import { quarantinePolicy, writePolicyFile } from '../helpers/policy.js';
import { REDIS_URL, sharedRedisAvailable } from '../helpers/redis.js';
import { check, checkClient, httpGet, startServe, type CheckClient, type ServeProcess } from '../helpers/serve.js';

const available = await sharedRedisAvailable();
const ns = `q${randomUUID().slice(0, 8)}`;
const attacker = `spiffe://cluster.local/ns/${ns}/sa/web`;
const prefix = `mgt-${ns}:`;

const request = (path: string) => ({
  attributes: {
    source: { principal: attacker },
    request: { http: { method: 'GET', path, headers: {} } },
    contextExtensions: { 'meshguard.io/workload': `${ns}/api` },
  },
});

describe.skipIf(!available)('quarantine shared by two replicas through Redis', () => {
  const procs: ServeProcess[] = [];
  const clients: CheckClient[] = [];
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await Promise.all(procs.map((p) => p.stop()));
  });

  it('isolates a misbehaving identity on every replica within a second, shows it, and releases it', async () => {
    const file = writePolicyFile(quarantinePolicy(ns, 'quarantine'), 'mg-q-');
    // Its own key prefix: other suites quarantine identities in the same Redis at the same time.
    for (let i = 0; i < 2; i++) procs.push(await startServe(['--policy', file, '--redis', REDIS_URL, '--redis-prefix', prefix, '--log-allow-sample', '0']));
    clients.push(...procs.map((p) => checkClient(p.authzPort)));
    const [a, b] = clients as [CheckClient, CheckClient];
    expect((await check(b, request('/ok'))).status.code).toBe(0);

    for (let i = 0; i < 15; i++) await check(a, request('/admin'));
    const started = Date.now();
    while ((await check(b, request('/ok'))).status.code === 0) {
      if (Date.now() - started > 10_000) throw new Error('replica b did not deny the quarantined identity within 10 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    const denied = await check(b, request('/ok'));
    expect(denied.status.message).toMatch(/quarantined until/);
    const logged = await procs[0]!.waitForLog((l) => l.event === 'quarantined');
    expect(logged).toMatchObject({ identity: attacker });
    expect((logged.denied as number) / (logged.total as number)).toBeGreaterThanOrEqual(0.5);
    const listed = JSON.parse((await httpGet(procs[1]!.adminPort, '/quarantine')).body) as { identity: string }[];
    expect(listed.map((e) => e.identity)).toEqual([attacker]);

    const released = await runMeshguard(['release', attacker, '--redis', REDIS_URL, '--redis-prefix', prefix]);
    expect(released.stdout).toBe(`released ${attacker}\n`);
    const releasedAt = Date.now();
    for (const c of clients) {
      while ((await check(c, request('/ok'))).status.code !== 0) {
        if (Date.now() - releasedAt > 10_000) throw new Error('release did not reach every replica within 10 s');
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  });
});
