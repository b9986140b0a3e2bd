// docs/deploying.md "Next to a standalone Envoy", run step by step: the commands are read from the
// section's block, with free ports, a loopback block of their own and a temporary directory swapped in, so
// the walkthrough cannot drift from what works. Background commands (`&`) are stopped at the end.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackBlock } from '../../control-plane/envoy/loopback.js';
import { MeshCa } from '../../control-plane/envoy/pki.js';
import { MESHGUARD } from '../helpers/cli.js';
import { ENVOY_BIN } from '../helpers/envoy.js';
import { freePort } from '../helpers/net.js';
import { ensureDist } from '../parity/dist.js';

const REPO = path.resolve(path.dirname(MESHGUARD), '..');
const run = promisify(execFile);

/** The docs section's sh block: one command per line, comments dropped. */
function walkthrough(): string[] {
  const doc = readFileSync(path.join(REPO, 'docs/deploying.md'), 'utf8');
  const start = doc.indexOf('## Next to a standalone Envoy');
  expect(start, 'docs/deploying.md has the section "Next to a standalone Envoy"').toBeGreaterThanOrEqual(0);
  const section = doc.slice(start);
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

describe.skipIf(!ENVOY_BIN)('the walkthrough next to a standalone Envoy (docs/deploying.md)', () => {
  const background: ChildProcess[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'meshguard-walkthrough-'));
  let swap: (line: string) => string;

  beforeAll(async () => {
    await ensureDist();
    const ports = new Map<string, number>();
    for (const p of ['18000', '9001', '9901', '15000', '15001']) ports.set(p, await freePort());
    const block = loopbackBlock();
    swap = (line) => {
      let out = line.replace(/127\.0\.0\.([234])\b/g, (_m, n: string) => `${block}.${n}`);
      for (const [fixed, free] of ports) out = out.replace(new RegExp(`(?<=[:\\s])${fixed}\\b`, 'g'), String(free));
      return out.replace(/(?<=\s)(certs|out|app)\//g, `${dir}/$1/`).replace(/(?<=\s)(certs|out|app)(?=\s|$)/g, `${dir}/$1`)
        .replace(/^(npx )?meshguard /, `${process.execPath} ${MESHGUARD} `).replace(/^envoy /, `${ENVOY_BIN} `);
    };
    // Step 1: the certificates.
    const ca = new MeshCa(path.join(dir, 'pki'));
    const api = ca.issue('api', 'spiffe://cluster.local/ns/shop/sa/api');
    const frontend = ca.issue('frontend', 'spiffe://cluster.local/ns/shop/sa/frontend');
    mkdirSync(path.join(dir, 'certs'));
    await run('cp', [api.cert, path.join(dir, 'certs/cert.pem')]);
    await run('cp', [api.key, path.join(dir, 'certs/key.pem')]);
    await run('cp', [ca.cert, path.join(dir, 'certs/ca.pem')]);
    await run('cp', [frontend.cert, path.join(dir, 'certs/frontend.pem')]);
    await run('cp', [frontend.key, path.join(dir, 'certs/frontend-key.pem')]);
  }, 180_000);

  afterAll(async () => {
    for (const child of background) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(background.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
  });

  it('serves the verdicts the walkthrough says', async () => {
    const lines = walkthrough().map((l) => swap(l));
    expect(lines.length).toBeGreaterThanOrEqual(8);
    const curls: { line: string; out: string }[] = [];
    for (const line of lines) {
      const command = line.replace(/\s*#.*$/, '').replace(/\s*&$/, '');
      if (line.trimEnd().endsWith('&')) {
        const child = spawn('bash', ['-c', `exec ${command}`], { cwd: REPO, stdio: 'ignore' });
        background.push(child);
        if (/ serve /.test(command)) await waitFor(async () => (await fetch(`http://127.0.0.1:${/--admin-port (\d+)/.exec(command)![1]}/healthz`).catch(() => null))?.ok === true);
        continue;
      }
      if (/\/ready$/.test(command)) {
        await waitFor(async () => (await run('bash', ['-c', command], { cwd: REPO })).stdout.trim() === 'LIVE');
        continue;
      }
      if (/\/xds\/nodes/.test(command)) {
        await waitFor(async () => {
          const { stdout } = await run('bash', ['-c', command], { cwd: REPO });
          const node = (JSON.parse(stdout) as { nodes: { types: Record<string, { acked: string | null }> }[] }).nodes[0];
          return node !== undefined && ['LDS', 'RDS', 'CDS', 'EDS', 'ECDS'].every((t) => node.types[t]?.acked);
        });
        continue;
      }
      const { stdout } = await run('bash', ['-c', command], { cwd: REPO }).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
      if (command.startsWith('curl')) curls.push({ line, out: stdout.trim() });
    }
    // Step 6: each curl prints what its comment in docs/deploying.md says.
    for (const { line, out } of curls) {
      const expected = /#\s*(.*?)\s*(\(.*\))?$/.exec(line)![1]!.replace(/\\n/g, '');
      expect(out.replace(/\n/g, ' ')).toBe(expected);
    }
    expect(curls).toHaveLength(3);
  }, 180_000);
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > until) throw new Error(`not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
