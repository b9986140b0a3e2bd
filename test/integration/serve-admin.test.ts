// serve's first-contact edges: the admin port on its own (loopback) address, admin mutations only
// with a token, --redis none is ready, a port in use and an invalid policy are one clear line,
// and /status counts reloads as meshguard_policy_reloads_total does.
import { createServer, type Server } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_POLICY, runMeshguard } from '../helpers/cli.js';
import { httpGet, startServe, type ServeProcess } from '../helpers/serve.js';

const TOKEN = 'a-test-token-of-enough-length';
const started: ServeProcess[] = [];
afterAll(async () => {
  for (const s of started) await s.stop();
});

async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const s = await startServe(['--redis', 'none', ...args], env);
  started.push(s);
  return s;
}

function release(port: number, token?: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/quarantine/release?identity=spiffe%3A%2F%2Fcluster.local%2Fns%2Fshop%2Fsa%2Fapi`, {
    method: 'POST', headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
}

function metric(text: string, name: string): number {
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

describe('meshguard serve: admin port and mutations', () => {
  it('the admin port listens on --admin-bind (127.0.0.1), apart from the data ports', async () => {
    const s = await serve(['--bind', '0.0.0.0']);
    expect((await httpGet(s.adminPort, '/healthz')).status).toBe(200);
    const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    if (external !== undefined) {
      await expect(fetch(`http://${external}:${s.adminPort}/healthz`)).rejects.toThrow();
    }
  });

  it('without a token, POST /quarantine/release is off (403) and says how to turn it on', async () => {
    const s = await serve([]);
    const r = await release(s.adminPort);
    expect(r.status).toBe(403);
    expect(await r.text()).toMatch(/admin mutations are off: start serve with MESHGUARD_ADMIN_TOKEN/);
    expect(s.logs.some((l) => l.event === 'admin_mutations_off')).toBe(true);
  });

  it('with MESHGUARD_ADMIN_TOKEN, only the right bearer token may release; meshguard release --admin sends it', async () => {
    const s = await serve([], { MESHGUARD_ADMIN_TOKEN: TOKEN });
    expect((await release(s.adminPort)).status).toBe(401);
    expect((await release(s.adminPort, `${TOKEN}x`)).status).toBe(401);
    const ok = await release(s.adminPort, TOKEN);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ released: false });
    const cli = await runMeshguard(['release', 'spiffe://cluster.local/ns/shop/sa/api', '--admin', `http://127.0.0.1:${s.adminPort}`], undefined, { env: { MESHGUARD_ADMIN_TOKEN: TOKEN } });
    expect(cli).toMatchObject({ code: 0, stdout: 'spiffe://cluster.local/ns/shop/sa/api was not quarantined\n' });
    const refused = await runMeshguard(['release', 'spiffe://cluster.local/ns/shop/sa/api', '--admin', `http://127.0.0.1:${s.adminPort}`], undefined, { env: { MESHGUARD_ADMIN_TOKEN: '' } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^meshguard release: --admin http:\/\/127\.0\.0\.1:\d+ answered 401: .*MESHGUARD_ADMIN_TOKEN\)\n$/);
  });

  it('--redis none is ready, not degraded', async () => {
    const s = await serve([]);
    const ready = await httpGet(s.adminPort, '/readyz');
    expect(ready).toEqual({ status: 200, body: 'ready\n' });
    expect(JSON.parse((await httpGet(s.adminPort, '/status')).body).redis).toMatchObject({ status: 'off', degraded: false });
  });
});

describe('meshguard serve: clear failures', () => {
  it('a port in use is one line naming the port and its flag (exit 2)', async () => {
    const taken = await listenOn(0);
    const port = (taken.address() as { port: number }).port;
    try {
      for (const flag of ['--authz-port', '--admin-port']) {
        const r = await runMeshguard(['serve', '--redis', 'none', '--bind', '127.0.0.1', '--authz-port', '0', '--xds-port', '0', '--admin-port', '0', flag, String(port)]);
        expect(r.code, flag).toBe(2);
        expect(r.stderr).toBe(`meshguard serve: cannot listen on 127.0.0.1:${port} (${flag === '--authz-port' ? 'ext_authz' : 'admin'}, ${flag}): the port is in use (another meshguard or program listens there; pick another with the port flag, or 0 for any free port)\n`);
      }
    } finally {
      taken.close();
    }
  }, 60_000);

  it('an invalid policy at start: exit 1, its positions, and no claim that a last good policy stays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-serve-bad-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, readFileSync(EXAMPLE_POLICY, 'utf8').replace('inbound: deny', 'inbound: perhaps'));
    const r = await runMeshguard(['serve', '--redis', 'none', '--policy', file, '--authz-port', '0', '--xds-port', '0', '--admin-port', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^meshguard serve: cannot serve: the policy is not valid\n.*bad\.yaml:\d+:\d+: .*must be one of: allow, deny/);
    expect(r.stdout).not.toMatch(/last good policy/);
    expect(r.stdout).toMatch(/there is no policy to serve/);
    const missing = await runMeshguard(['serve', '--policy', join(dir, 'none.yaml')]);
    expect(missing).toMatchObject({ code: 2, stderr: `meshguard serve: --policy ${join(dir, 'none.yaml')}: no such file or directory\n` });
  });

  it('/status reloads agree with meshguard_policy_reloads_total, failures too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-serve-reload-'));
    const file = join(dir, 'policy.yaml');
    const text = readFileSync(EXAMPLE_POLICY, 'utf8');
    writeFileSync(file, text);
    const s = await serve(['--policy', file]);
    const counts = async () => {
      const { reloads, reloadFailures } = JSON.parse((await httpGet(s.adminPort, '/status')).body).policy as { reloads: number; reloadFailures: number };
      const status = { reloads, reloadFailures };
      const metrics = (await httpGet(s.adminPort, '/metrics')).body;
      return { status, metrics: { reloads: metric(metrics, 'meshguard_policy_reloads_total'), reloadFailures: metric(metrics, 'meshguard_policy_reload_failures_total') } };
    };
    expect(await counts()).toEqual({ status: { reloads: 0, reloadFailures: 0 }, metrics: { reloads: 0, reloadFailures: 0 } });
    writeFileSync(file, text.replace('"/healthz"]', '"/healthz", "/orders"]'));
    await s.waitForLog((l) => l.event === 'policy_loaded' && s.logs.filter((x) => x.event === 'policy_loaded').length === 2);
    writeFileSync(file, text.replace('inbound: deny', 'inbound: perhaps'));
    await s.waitForLog((l) => l.event === 'policy_rejected');
    const after = await counts();
    expect(after.status).toMatchObject({ reloads: 1, reloadFailures: 1 });
    expect(after.metrics).toEqual({ reloads: after.status.reloads, reloadFailures: after.status.reloadFailures });
  });
});
