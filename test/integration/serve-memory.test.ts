// `meshguard serve` on the example policy stays well under its 150 MB idle RSS budget (issue 15):
// RSS does not depend on the machine's speed, and the example measures about 110 MB, so the bound
// leaves room (the 500-workload figure is the peers benchmark's: `node dist/bench/run.js peers`).
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_POLICY } from '../helpers/cli.js';
import { startServe, type ServeProcess } from '../helpers/serve.js';

const RSS_BUDGET_MB = 150;

function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) / 1024;
}

describe('serve memory', () => {
  const started: ServeProcess[] = [];

  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop()));
  });

  it.runIf(process.platform === 'linux')(`idles under ${RSS_BUDGET_MB} MB of RSS on the example policy, xDS on`, async () => {
    const serve = await startServe(['--policy', EXAMPLE_POLICY, '--redis', 'none']);
    started.push(serve);
    await new Promise((r) => setTimeout(r, 3000));
    const rss = rssMb(serve.child.pid!);
    expect(rss).toBeGreaterThan(20);
    expect(rss).toBeLessThanOrEqual(RSS_BUDGET_MB);
  }, 60_000);
});
