import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_POLICY } from '../helpers/cli.js';
import { check, checkClient, httpGet, startServe, type CheckClient, type ServeProcess } from '../helpers/serve.js';

const frontend = 'spiffe://cluster.local/ns/shop/sa/frontend';
const original = readFileSync(EXAMPLE_POLICY, 'utf8');
const request = (path: string) => ({
  attributes: {
    source: { principal: frontend },
    destination: { address: { socketAddress: { address: '10.1.0.20', portValue: 8080 } } },
    request: { http: { method: 'GET', path, headers: {} } },
    contextExtensions: { 'meshguard.io/workload': 'shop/api' },
  },
});

async function eventually(fn: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await fn()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`not true within ${timeoutMs} ms`);
}

describe('hot reload', () => {
  let dir: string;
  let file: string;
  let serve: ServeProcess;
  let client: CheckClient;
  const allowed = async (path: string) => (await check(client, request(path))).status.code === 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mg-reload-'));
    file = join(dir, 'policy.yaml');
    writeFileSync(file, original);
    serve = await startServe(['--policy', file]);
    client = checkClient(serve.authzPort);
  });
  afterAll(async () => {
    client?.close();
    await serve?.stop();
  });

  it('applies an edit without a restart', async () => {
    expect(await allowed('/orders')).toBe(false);
    writeFileSync(file, original.replace('paths: ["/api/*", "/healthz"]', 'paths: ["/api/*", "/healthz", "/orders"]'));
    // About 100 ms on an idle machine; the bound only separates "reloaded" from "never" on a busy one.
    const took = await eventually(() => allowed('/orders'), 15_000);
    expect(took).toBeLessThan(15_000);
    expect(serve.child.exitCode).toBeNull();
  });

  it('keeps the last good policy after a bad edit and reports it', async () => {
    const before = (await httpGet(serve.adminPort, '/metrics')).body;
    writeFileSync(file, original.replace('inbound: deny', 'inbound: perhaps').replace('paths: ["/api/*", "/healthz"]', 'paths: ["/healthz"]'));
    const rejected = await serve.waitForLog((l) => l.event === 'policy_rejected');
    expect(JSON.stringify(rejected.errors)).toMatch(new RegExp(`${file.replace(/[.]/g, '\\.')}:11:14: .*must be one of: allow, deny`));
    expect(await allowed('/orders')).toBe(true);
    expect(await allowed('/api/x')).toBe(true);
    const after = (await httpGet(serve.adminPort, '/metrics')).body;
    expect(before).toMatch(/meshguard_policy_reload_failures_total 0/);
    expect(after).toMatch(/meshguard_policy_reload_failures_total 1/);
    const status = JSON.parse((await httpGet(serve.adminPort, '/status')).body) as { policy: { lastError: { errors: string[] } } };
    expect(status.policy.lastError.errors[0]).toContain('must be one of');
  });

  it('follows a file replaced by rename, as editors and ConfigMaps do', async () => {
    const tmp = join(dir, '.policy.yaml.tmp');
    writeFileSync(tmp, original);
    renameSync(tmp, file);
    await eventually(async () => !(await allowed('/orders')), 15_000);
    expect(await allowed('/api/x')).toBe(true);
  });

  it('stops gracefully on SIGTERM', async () => {
    const code = await serve.stop('SIGTERM');
    expect(code).toBe(0);
    expect(serve.logs.some((l) => l.event === 'stopped')).toBe(true);
  });
});

describe('serve refuses to start on an invalid policy', () => {
  it('exits 1 with the positioned error', async () => {
    const d = mkdtempSync(join(tmpdir(), 'mg-bad-'));
    const f = join(d, 'p.yaml');
    writeFileSync(f, 'apiVersion: meshguard.io/v1alpha1\nkind: MeshPolicy\nmetadata: { name: x }\nspec: { colour: red }\n');
    await expect(startServe(['--policy', f])).rejects.toThrow(new RegExp(`${f.replace(/[.]/g, '\\.')}:4:9: .*unknown field "colour"`));
  });
});
