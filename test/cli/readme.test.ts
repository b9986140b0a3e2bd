// The README's first hour, run as pasted: every command of the ```sh blocks under "The first hour"
// runs in the repository with bash, in order, and must exit 0 (or the status its `# exit N`
// comment names); where a ```text block follows, the block's output must be that text (a line
// "…" stands for any number of lines). `npm install` is what built this checkout and `npm test` is
// what runs this file, so those two are only checked to be there; `npm start` runs for real (its
// ports swapped for free ones, without Redis), for the commands that talk to it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESHGUARD } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { ensureDist } from '../parity/dist.js';

const REPO = path.resolve(path.dirname(MESHGUARD), '..');
const VERSION = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const run = promisify(execFile);

interface Block { readonly lang: string; readonly text: string }

/** The fenced blocks of the README's "The first hour", in order. */
function firstHour(): { prose: string; blocks: Block[] } {
  const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const start = readme.indexOf('## The first hour');
  const end = readme.indexOf('\n## ', start + 1);
  const prose = readme.slice(start, end === -1 ? undefined : end);
  return { prose, blocks: [...prose.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, text: m[2]! })) };
}

/** Expected lines against actual ones; a "…" line matches any number of lines. */
function matchLines(expected: string[], actual: string[]): boolean {
  if (expected.length === 0) return actual.length === 0;
  const [first, ...rest] = expected;
  if (first === '…') return actual.some((_, i) => matchLines(rest, actual.slice(i))) || matchLines(rest, []);
  return actual.length > 0 && actual[0] === first && matchLines(rest, actual.slice(1));
}

describe('README: the first hour, as pasted', () => {
  let server: ChildProcess | null = null;
  const ports = new Map<string, number>();
  const swap = (line: string) => line.replace(/127\.0\.0\.1:(9001|18000|9901)\b/g, (_m, p: string) => `127.0.0.1:${ports.get(p)}`);

  beforeAll(async () => {
    await ensureDist();
    for (const p of ['9001', '18000', '9901']) ports.set(p, await freePort());
  }, 180_000);

  afterAll(async () => {
    if (server?.pid !== undefined && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      process.kill(-server.pid, 'SIGTERM');
      await exited;
    }
  });

  it('starts with the two commands, says how to call the CLI, and links the docs that exist', () => {
    const { prose, blocks } = firstHour();
    expect(blocks[0]).toEqual({ lang: 'sh', text: 'npm install && npm start\n' });
    expect(blocks[1]).toEqual({ lang: 'sh', text: 'npm test\n' });
    expect(prose).toContain('npx meshguard');
    expect(prose).toContain('examples/requests.jsonl');
    expect(prose).toMatch(/http:\/\/127\.0\.0\.1:9901\/live/);
    expect(prose).toContain('/metrics');
    const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(((?:docs|examples|schema|assembly|packages|istio|envoy|control-plane)\/[^)#\s]*)(#[^)]*)?\)/g)].map((m) => m[1]!);
    expect(links).toEqual(expect.arrayContaining(['docs/policy-reference.md', 'docs/commands.md', 'docs/deploying.md', 'docs/operations.md', 'docs/development.md', 'docs/benchmarks.md']));
    for (const link of links) expect(() => readFileSync(path.join(REPO, link.endsWith('/') ? `${link}.` : link)), link).not.toThrow(/ENOENT/);
  });

  it('every command works, with the output the README shows', async () => {
    const { blocks } = firstHour();
    let ran = 0;
    for (let b = 0; b < blocks.length; b++) {
      const block = blocks[b]!;
      if (block.lang !== 'sh') continue;
      const expected = blocks[b + 1]?.lang === 'text' ? blocks[b + 1]!.text : null;
      let output = '';
      for (const raw of block.text.split('\n')) {
        if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
        const status = Number(/#\s*exit (\d+)\s*$/.exec(raw)?.[1] ?? 0);
        const line = raw.replace(/\s+#.*$/, '');
        if (line === 'npm test') continue;
        if (line === 'npm install && npm start') {
          // This checkout is installed; `npm start` itself runs, on free ports and without Redis.
          server = spawn('bash', ['-c', `exec npm start -- --authz-port ${ports.get('9001')} --xds-port ${ports.get('18000')} --admin-port ${ports.get('9901')} --redis none`], { cwd: REPO, stdio: 'ignore', detached: true });
          await waitFor(async () => (await fetch(`http://127.0.0.1:${ports.get('9901')}/healthz`).catch(() => null))?.ok === true);
          continue;
        }
        const r = await run('bash', ['-c', swap(line)], { cwd: REPO, maxBuffer: 16 << 20 }).then((x) => ({ ...x, code: 0 }), (e: { stdout: string; stderr: string; code: number }) => e);
        expect(r.code, `${line}\n${r.stderr}`).toBe(status);
        output += r.stdout;
        ran++;
        if (line === 'npx meshguard --version') expect(r.stdout).toBe(`meshguard ${VERSION}\n`);
        if (line === 'npx meshguard help') expect(r.stdout).toMatch(/^meshguard .*\n\nusage: meshguard COMMAND/);
        if (/\/readyz$/.test(line)) expect(r.stdout).toBe('ready\n');
        if (/\/metrics/.test(line)) expect(r.stdout).toMatch(/^meshguard_policy_info\{name="shop",version="[0-9a-f]{16}"\} 1$/m);
        if (/\/status$/.test(line)) expect(JSON.parse(r.stdout)).toMatchObject({ policy: { name: 'shop' } });
        if (/ explain /.test(line)) expect(r.stdout).toMatch(/rule 1 \[no\]: method DELETE is not one of GET,POST/);
      }
      if (expected !== null) expect(matchLines(expected.trimEnd().split('\n'), output.trimEnd().split('\n')), `output of\n${block.text}\nwas\n${output}`).toBe(true);
    }
    expect(ran).toBeGreaterThanOrEqual(9);
    // The live view the README points at, on the server `npm start` started.
    const live = await fetch(`http://127.0.0.1:${ports.get('9901')}/live`);
    expect(live.status).toBe(200);
    expect(await live.text()).toContain('meshguard — live view');
  }, 240_000);
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > until) throw new Error(`not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
