// The command line's contract, held over every command: --version, help and COMMAND --help
// describing every flag of the command's table, the exit statuses (0 fine, 1 invalid policy or
// findings, 2 usage or I/O error) and one-line errors without stack traces.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../control-plane/cli/main.js';
import type { CommandSpec } from '../../control-plane/cli/spec.js';
import { EXAMPLE_POLICY, runMeshguard, type RunResult } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { ensureDist } from '../parity/dist.js';

const PACKAGE = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const dir = mkdtempSync(join(tmpdir(), 'meshguard-cli-'));
const INVALID = join(dir, 'invalid.yaml');
writeFileSync(INVALID, 'apiVersion: meshguard.io/v1alpha1\nkind: MeshPolicy\nmetadata: { name: x }\nspec:\n  bogus: 1\n');
const MISSING = join(dir, 'missing.yaml');
const NODES = join(dir, 'nodes.json');
writeFileSync(NODES, JSON.stringify([{ id: 'a', metadata: { 'meshguard.io/workload': 'shop/api' } }]));

let specs: CommandSpec[];
beforeAll(async () => {
  await ensureDist();
  specs = await Promise.all(Object.values(COMMANDS).map((load) => load()));
}, 120_000);

/** An expected error: exactly one line on stderr, naming the command, no stack frame. */
function oneLineError(r: RunResult, command: string): void {
  const lines = r.stderr.trim().split('\n').filter((l) => !/^\S+:\d+:\d+: /.test(l));
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^meshguard ${command}: `));
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

/** Arguments that make each command reach its policy (or input) with FILE as the policy. */
function withPolicy(spec: CommandSpec, file: string): string[] | null {
  const words = spec.name.split(' ');
  switch (spec.name) {
    case 'validate': return [...words, file];
    case 'diff': return [...words, file, EXAMPLE_POLICY];
    case 'render filter-config': case 'render envoy': return [...words, '--policy', file, '--workload', 'shop/api'];
    case 'render istio': return [...words, '--policy', file, '--out', join(dir, 'istio')];
    case 'render xds-snapshot': return [...words, '--policy', file, '--nodes', NODES];
    case 'check': case 'explain': case 'replay': case 'audit': case 'graph': case 'suggest': return [...words, '--policy', file, ...(spec.name === 'suggest' ? ['--flows', '/dev/null'] : ['--requests', '/dev/null'].filter(() => spec.flags.some((f) => f.name === 'requests')))];
    default: return null;
  }
}

describe('meshguard --version and help', () => {
  it('--version prints the package version', async () => {
    const r = await runMeshguard(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`meshguard ${PACKAGE.version}\n`);
  });

  it('help lists every command with its summary and the exit statuses', async () => {
    const r = await runMeshguard(['help']);
    expect(r.code).toBe(0);
    for (const s of specs) expect(r.stdout).toContain(`  ${s.name} `);
    expect(r.stdout).toMatch(/Exit status:\n {2}0 {2}fine\n {2}1 .*\n {2}2 /);
  });

  it('every command answers --help (and `help COMMAND`) with every flag of its table described', async () => {
    for (const s of specs) {
      const r = await runMeshguard([...s.name.split(' '), '--help']);
      expect(r.code, s.name).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: meshguard ${s.name} `));
      for (const f of s.flags) {
        const row = r.stdout.split('\n').find((l) => l.trimStart().startsWith(`--${f.name}`));
        expect(row, `${s.name} --${f.name}`).toBeDefined();
        expect(f.help.length, `${s.name} --${f.name} has help text`).toBeGreaterThan(10);
      }
      for (const p of s.positionals ?? []) expect(r.stdout).toContain(`  ${p.name}`);
      expect(r.stdout).toContain('Exit status:');
    }
    expect((await runMeshguard(['help', 'render', 'istio'])).stdout).toMatch(/^usage: meshguard render istio --policy FILE --out DIR/);
  }, 120_000);
});

describe('exit statuses, held over every command', () => {
  it('an unknown flag is a usage error: exit 2, one line', async () => {
    for (const s of specs) {
      const r = await runMeshguard([...s.name.split(' '), '--no-such-flag']);
      expect(r.code, s.name).toBe(2);
      oneLineError(r, s.name);
      expect(r.stdout).toBe('');
    }
  }, 120_000);

  it('a policy file that cannot be read is an I/O error (2); an invalid one is 1', async () => {
    for (const s of specs) {
      const missing = withPolicy(s, MISSING);
      if (missing === null) continue;
      const r = await runMeshguard(missing);
      expect(r.code, `${s.name} on a missing policy`).toBe(2);
      expect(r.stderr + r.stdout).toMatch(/missing\.yaml:1:1: cannot read policy: no such file/);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      const bad = await runMeshguard(withPolicy(s, INVALID)!);
      expect(bad.code, `${s.name} on an invalid policy`).toBe(1);
      expect(bad.stderr + bad.stdout).toMatch(/invalid\.yaml:5:3: spec\.bogus: unknown field "bogus"/);
    }
  }, 180_000);

  it("the issue's cases: missing inputs, an unreachable admin port, a SARIF audit that cannot run", async () => {
    const check = await runMeshguard(['check', '--policy', EXAMPLE_POLICY, '--requests', join(dir, 'missing.jsonl')]);
    expect(check.code).toBe(2);
    expect(check.stderr).toBe(`meshguard check: --requests ${join(dir, 'missing.jsonl')}: no such file or directory\n`);
    const suggest = await runMeshguard(['suggest', '--flows', join(dir, 'missing.jsonl')]);
    expect(suggest.code).toBe(2);
    expect(suggest.stderr).toBe(`meshguard suggest: --flows ${join(dir, 'missing.jsonl')}: no such file or directory\n`);
    const closed = await freePort();
    const release = await runMeshguard(['release', 'spiffe://cluster.local/ns/shop/sa/api', '--admin', `http://127.0.0.1:${closed}`]);
    expect(release.code).toBe(2);
    oneLineError(release, 'release');
    expect(release.stderr).toMatch(/unreachable \(ECONNREFUSED\)/);
    const sarif = await runMeshguard(['audit', '--policy', MISSING, '--format', 'sarif']);
    expect(sarif.code).toBe(2);
    const log = JSON.parse(sarif.stdout) as { version: string; runs: { results: unknown[]; invocations: { executionSuccessful: boolean; toolExecutionNotifications: { message: { text: string } }[] }[] }[] };
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0]!.results).toEqual([]);
    expect(log.runs[0]!.invocations[0]!.executionSuccessful).toBe(false);
    expect(log.runs[0]!.invocations[0]!.toolExecutionNotifications[0]!.message.text).toMatch(/cannot read policy: no such file/);
  }, 60_000);

  it('replay never creates a directory the user named as input', async () => {
    const named = join(dir, 'no-such-wasm-dir');
    const r = await runMeshguard(['replay', '--policy', EXAMPLE_POLICY, '--wasm-dir', named, '--requests', '/dev/null']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`meshguard replay: --wasm-dir ${named}: no such directory\n`);
    expect(existsSync(named)).toBe(false);
  });

  it('a bad --redis URL is a usage error', async () => {
    const r = await runMeshguard(['check', '--policy', EXAMPLE_POLICY, '--redis', 'foo', '--requests', '/dev/null']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^meshguard check: --redis foo: not a URL/);
    const s = await runMeshguard(['serve', '--redis', 'http://127.0.0.1:6379']);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/^meshguard serve: --redis http:\/\/127\.0\.0\.1:6379: unsupported scheme http:/);
  });

  it.each([
    [['check', '--policy', EXAMPLE_POLICY, '--requests', '/dev/null', '--redis', 'redis+sentinel://:pw@10.0.0.1:26379,10.0.0.2:x/mymaster'], 'meshguard check: --redis redis+sentinel://:***@10.0.0.1:26379,10.0.0.2:x/mymaster: host 2 "10.0.0.2:x": the port must be 1-65535'],
    [['serve', '--redis', 'redis+sentinel://10.0.0.1:26379'], 'meshguard serve: --redis redis+sentinel://10.0.0.1:26379: no master name (expected redis+sentinel://HOST:PORT[,HOST:PORT…]/MASTER)'],
    [['release', 'spiffe://cluster.local/ns/a/sa/b', '--redis', 'redis+cluster://a:7000/2'], 'meshguard release: --redis redis+cluster://a:7000/2: a Redis Cluster has only database 0, not the path /2'],
    [['serve', '--redis-prefix', 'team {b}:'], 'meshguard serve: --redis-prefix "team {b}:": the prefix may hold only printable ASCII without spaces'],
    [['check', '--policy', EXAMPLE_POLICY, '--requests', '/dev/null', '--redis-prefix', '{b}'], 'meshguard check: --redis-prefix "{b}": the prefix may not hold { or }'],
  ])('a malformed Sentinel or Cluster URL or prefix is one usage line: %j', async (argv, line) => {
    const r = await runMeshguard(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${line}\n`);
  });
});

describe('validate --output json', () => {
  it('one document with the diagnostics, positions and codes', async () => {
    const r = await runMeshguard(['validate', INVALID, '--output', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { valid: boolean; errors: { line: number; col: number; field: string; code: string }[] };
    expect(doc.valid).toBe(false);
    expect(doc.errors).toContainEqual(expect.objectContaining({ line: 5, col: 3, field: 'spec.bogus', code: 'MG_ERR_POLICY_SCHEMA' }));
    const ok = JSON.parse((await runMeshguard(['validate', EXAMPLE_POLICY, '--output', 'json'])).stdout) as { valid: boolean; warnings: unknown[]; summary: { workloads: number } };
    expect(ok).toMatchObject({ valid: true, warnings: [] });
    expect(ok.summary.workloads).toBeGreaterThan(0);
  });
});

describe('paths come from the package, wherever the command runs', () => {
  it('audit and render istio find build/wasm from another directory', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'meshguard-elsewhere-'));
    const audit = await runMeshguard(['audit', '--policy', EXAMPLE_POLICY, '--format', 'json'], undefined, { cwd: elsewhere });
    expect(audit.code).toBe(0);
    expect((JSON.parse(audit.stdout) as { findings: { control: string }[] }).findings.filter((f) => f.control === 'MG-WASM-001')).toEqual([]);
    const istio = await runMeshguard(['render', 'istio', '--policy', EXAMPLE_POLICY, '--out', 'out'], undefined, { cwd: elsewhere });
    expect(istio.code).toBe(0);
    expect(istio.stderr).not.toMatch(/no .*\.wasm\.sha256/);
    const plugins = readFileSync(join(elsewhere, 'out', '10-wasm-plugins.yaml'), 'utf8');
    expect(plugins).toMatch(/sha256: [0-9a-f]{64}/);
  }, 60_000);
});
