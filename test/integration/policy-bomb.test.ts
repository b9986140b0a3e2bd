// A YAML alias bomb written over the watched policy (issue 12, item 8): Checks go on being
// answered, the edit is rejected with one short positioned error in the log and in /status, the
// last good policy stays, and `meshguard validate` refuses the file at once.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_POLICY, runMeshguard } from '../helpers/cli.js';
import { aliasBomb } from '../helpers/policy.js';
import { check, checkClient, httpGet, startServe, type CheckClient, type ServeProcess } from '../helpers/serve.js';
import { ensureDist } from '../parity/dist.js';

const request = {
  attributes: {
    source: { principal: 'spiffe://cluster.local/ns/shop/sa/frontend' },
    destination: { address: { socketAddress: { address: '10.1.0.20', portValue: 8080 } } },
    request: { http: { method: 'GET', path: '/api/items', headers: {} } },
    contextExtensions: { 'meshguard.io/workload': 'shop/api' },
  },
};

/** Checks one after another for `ms`: how many, and the slowest answer. */
async function keepChecking(client: CheckClient, ms: number): Promise<{ answered: number; allowed: number; slowestMs: number }> {
  const end = Date.now() + ms;
  let answered = 0;
  let allowed = 0;
  let slowestMs = 0;
  while (Date.now() < end) {
    const started = Date.now();
    const r = await check(client, request);
    slowestMs = Math.max(slowestMs, Date.now() - started);
    answered++;
    if (r.status.code === 0) allowed++;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { answered, allowed, slowestMs };
}

describe('an alias bomb over the watched policy', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'mg-bomb-')), 'policy.yaml');
  let serve: ServeProcess;
  let client: CheckClient;
  beforeAll(async () => {
    await ensureDist();
    writeFileSync(file, readFileSync(EXAMPLE_POLICY, 'utf8'));
    serve = await startServe(['--policy', file, '--redis', 'none', '--log-allow-sample', '0']);
    client = checkClient(serve.authzPort);
  });
  afterAll(async () => {
    client?.close();
    await serve?.stop();
    rmSync(dirname(file), { recursive: true, force: true });
  });

  it('keeps Checks answered while it is rejected, with one short error in the log and /status', async () => {
    const before = JSON.parse((await httpGet(serve.adminPort, '/status')).body).policy;
    const checking = keepChecking(client, 6000);
    await new Promise((r) => setTimeout(r, 1000));
    writeFileSync(file, aliasBomb());
    const rejected = await serve.waitForLog((l) => l.event === 'policy_rejected', 20_000);
    await new Promise((r) => setTimeout(r, 1000));
    writeFileSync(file, aliasBomb(12, 9));
    const { answered, allowed, slowestMs } = await checking;
    // The second bomb is rejected too.
    await serve.waitForLog((l) => l.event === 'policy_rejected' && l !== rejected, 20_000);
    // Every Check was answered (allowed: the last good policy stayed), none waited on the bomb.
    expect(allowed).toBe(answered);
    expect(answered).toBeGreaterThan(10);
    expect(slowestMs).toBeLessThan(5000);
    expect(rejected.errors).toEqual([expect.stringMatching(new RegExp(`^${file.replace(/[.]/g, '\\.')}:6:12: YAML aliases expand this document to [\\d,]+ values.*\\[MG_ERR_POLICY_ALIASES\\]$`))]);
    expect(JSON.stringify(rejected).length).toBeLessThan(1000);
    const status = await httpGet(serve.adminPort, '/status');
    expect(status.status).toBe(200);
    expect(status.body.length).toBeLessThan(20_000);
    const after = JSON.parse(status.body).policy;
    expect(after.lastError.errors).toHaveLength(1);
    // The last good policy stays in force: same version, no reload, both edits counted as rejected.
    expect({ version: after.version, reloads: after.reloads, reloadFailures: after.reloadFailures }).toEqual({ version: before.version, reloads: 0, reloadFailures: 2 });
  }, 60_000);
});

describe('meshguard validate on an alias bomb', () => {
  it.each([[9, 9], [12, 9]])('refuses %i levels of %i aliases with the positioned error, at once', async (levels, width) => {
    await ensureDist();
    const file = join(mkdtempSync(join(tmpdir(), 'mg-bomb-validate-')), 'bomb.yaml');
    writeFileSync(file, aliasBomb(levels, width));
    const started = Date.now();
    const r = await runMeshguard(['validate', file]).finally(() => rmSync(dirname(file), { recursive: true, force: true }));
    const tookMs = Date.now() - started;
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}:6:12: YAML aliases expand .*\\[MG_ERR_POLICY_ALIASES\\]\\n`));
    // Generous (a process start on a busy machine); the unguarded parse of 9 × 9 took 15 s to minutes.
    expect(tookMs).toBeLessThan(10_000);
  }, 60_000);
});
