// `check` (the ext_authz engine) and `replay` (the wasm filters in the proxy-wasm host) give the
// same decision and status for every request of a generated corpus, on several policies:
// inbound to every workload, egress from every workload, every path-normalization fixture as a
// path, every host fixture as an egress authority, blocklists, strict and permissive mTLS, and
// attacks with anomaly scoring in enforce mode. Rate limiting is ext_authz-only: a 429 from check
// is left out. Every other line must be equal: decision, status, rule (the allowing segment or
// egress rule) and the reason sentence.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkLine } from '../../control-plane/cli/check.js';
import { loadModules, replayLine } from '../../control-plane/cli/replay.js';
import { Authorizer } from '../../control-plane/authorizer/authorizer.js';
import { LocalRateLimitStore } from '../../control-plane/authorizer/rate-limit.js';
import type { CompiledPolicy } from '../../control-plane/policy/compiled.js';
import { PolicyReplay } from '../../control-plane/replay/policy-replay.js';
import type { ReplayModules } from '../../control-plane/replay/replay.js';
import { compileYaml } from '../helpers/policy.js';
import { builtFilter } from '../wasm/build.js';
import { attacks, corpusFor, inbound, type ParityRequest } from './corpus.js';
import { POLICIES } from './policies.js';

let modules: ReplayModules;
let wasmDir: string;

beforeAll(async () => {
  const [identity, anomaly, egress] = await Promise.all(['identity', 'anomaly', 'egress'].map((n) => builtFilter(n)));
  wasmDir = path.dirname(identity!.file);
  modules = { identity: identity!.binary, anomaly: anomaly!.binary, egress: egress!.binary };
}, 180_000);

interface Verdict { decision: string; status: number; rule: string | null; reason: string }

async function compare(policy: CompiledPolicy, requests: readonly ParityRequest[], rateLimited: boolean) {
  const authorizer = new Authorizer(policy, new LocalRateLimitStore());
  const replay = new PolicyReplay(policy, modules);
  const mismatches: string[] = [];
  const seen = new Map<string, number>();
  let skipped = 0;
  for (let i = 0; i < requests.length; i++) {
    const { workload, what, request } = requests[i]!;
    const line = JSON.stringify(request);
    const want = JSON.parse(await checkLine(authorizer, line, i + 1)) as Verdict;
    if (want.status === 429) {
      skipped++;
      continue;
    }
    const got = JSON.parse(await replayLine(replay, line, i + 1)) as Verdict;
    const direction = what.startsWith('egress') ? 'egress' : 'inbound';
    const key = `${direction} ${want.decision} ${want.status}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    if (got.decision !== want.decision || got.status !== want.status || got.rule !== want.rule || got.reason !== want.reason) {
      mismatches.push(`${workload} ${what}: check ${JSON.stringify(want)} ≠ replay ${JSON.stringify(got)}\n    ${line}`);
    }
  }
  if (!rateLimited) expect(skipped).toBe(0);
  return { mismatches, seen, compared: requests.length - skipped };
}

describe.each(POLICIES)('check and replay agree on $name', ({ text, rateLimited, name }) => {
  it('for every generated request', async () => {
    const policy = compileYaml(text, `${name}.yaml`);
    const requests = corpusFor(policy);
    const { mismatches, seen, compared } = await compare(policy, requests, rateLimited);
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(compared).toBeGreaterThan(500);
    // The corpus reaches both verdicts on both sides, and the 400s of bad paths.
    for (const key of ['inbound allow 200', 'inbound deny 403', 'inbound deny 400', 'egress deny 403']) expect(seen.get(key) ?? 0, key).toBeGreaterThan(0);
    if (policy.workloads.size > 1) expect((seen.get('egress allow 200') ?? 0), 'egress allow 200').toBeGreaterThan(0);
  }, 180_000);
});

describe('the real CLI (bin/meshguard)', () => {
  it('check and replay print the same lines for examples/shop.yaml traffic to shop/api', async () => {
    const { runMeshguard, jsonLines } = await import('../helpers/cli.js');
    const { ensureDist } = await import('./dist.js');
    await ensureDist();
    const policy = compileYaml(POLICIES[0]!.text);
    const api = policy.workloads.get('shop/api')!;
    const requests = [...inbound(policy, api, 120, 99), ...attacks(api, 'spiffe://cluster.local/ns/shop/sa/frontend', '/api/items', 8080).slice(0, 30)];
    const dir = mkdtempSync(path.join(tmpdir(), 'meshguard-parity-'));
    const file = path.join(dir, 'requests.jsonl');
    writeFileSync(file, [...requests.map((r) => JSON.stringify(r.request)), 'not json', '{"attributes":{"source":{"principal":7}}}'].join('\n') + '\n');
    const check = await runMeshguard(['check', '--policy', 'examples/shop.yaml', '--requests', file]);
    const replay = await runMeshguard(['replay', '--policy', 'examples/shop.yaml', '--workload', 'shop/api', '--requests', file, '--wasm-dir', wasmDir]);
    expect(check.code).toBe(2);
    expect(replay.code).toBe(2);
    expect(replay.stderr).toBe('');
    const want = jsonLines(check.stdout);
    const got = jsonLines(replay.stdout);
    expect(got).toHaveLength(want.length);
    const differ = want.map((w, i) => [w, got[i]!] as const).filter(([w, g]) => w.status !== 429 && JSON.stringify(w) !== JSON.stringify(g));
    expect(differ).toEqual([]);
    expect(got.at(-2)).toEqual({ error: expect.stringMatching(/^line \d+: invalid JSON/) });
    expect(got.at(-1)).toEqual({ error: `line ${requests.length + 2}: attributes.source.principal: must be a string` });
  }, 180_000);

  it('replay builds missing modules first and says so', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshguard-replay-modules-'));
    const lines: string[] = [];
    const loaded = await loadModules(dir, (l) => lines.push(l));
    expect(Object.keys(loaded).sort()).toEqual(['anomaly', 'egress', 'identity']);
    expect(lines[0]).toMatch(/identity\.wasm, .*anomaly\.wasm, .*egress\.wasm missing; building with scripts\/build-wasm\.mjs/);
    expect(lines.slice(1).every((l) => /^meshguard replay: built .*\.wasm \(\d+ bytes\)$/.test(l))).toBe(true);
  }, 180_000);
});
