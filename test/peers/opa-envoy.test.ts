// The Rego policy of the OPA-Envoy peer (bench/peers/opa-envoy) gives the verdicts `meshguard
// check` gives: decision, HTTP status and the allowing rule, on the example requests, on requests
// covering each segment, rule and egress case of examples/shop.yaml, and on a generated policy
// with its mixed corpus. The peer is built through scripts/build-peers.sh (a no-op when .ci/run
// already built it) and served over real gRPC.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPeers } from '../../bench/peers/binaries.js';
import { CheckClient, type PeerVerdict } from '../../bench/peers/check-client.js';
import { startOpaEnvoy, type OpaEnvoy } from '../../bench/peers/opa-envoy.js';
import { generateCorpus, generatePolicyDocument, policyYaml } from '../../bench/generate-policy.js';
import type { CompiledPolicy } from '../../control-plane/policy/compiled.js';
import { loadCompiledPolicy } from '../../control-plane/policy/load.js';
import { EXAMPLE_POLICY, jsonLines, runMeshguard } from '../helpers/cli.js';
import { SHOP_CASES } from './shop-requests.js';

const EXAMPLE_REQUESTS = new URL('../../examples/requests.jsonl', import.meta.url);
/** A cold build of OPA on two busy cores takes minutes; a warm one seconds. */
const BUILD_TIMEOUT_MS = 15 * 60_000;

async function compiled(file: string): Promise<CompiledPolicy> {
  const loaded = await loadCompiledPolicy(file);
  if (!loaded.ok) throw new Error(`${file} does not compile`);
  return loaded.compiled;
}

/** `meshguard check` on these JSONL lines: a verdict or an error per line. */
async function meshguardCheck(policyFile: string, lines: readonly string[]): Promise<Record<string, unknown>[]> {
  const { stdout, stderr } = await runMeshguard(['check', '--policy', policyFile], lines.join('\n') + '\n');
  const out = jsonLines(stdout);
  if (out.length !== lines.length) throw new Error(`meshguard check answered ${out.length} lines for ${lines.length}: ${stderr}`);
  return out;
}

interface Difference { readonly line: number; readonly meshguard: unknown; readonly opa: PeerVerdict; readonly request: string }

/** Every line `meshguard check` decided, sent to OPA; the lines where they disagree. */
async function compare(client: CheckClient, lines: readonly string[], verdicts: readonly Record<string, unknown>[]): Promise<{ decided: number; differences: Difference[] }> {
  const differences: Difference[] = [];
  let decided = 0;
  for (let i = 0; i < lines.length; i++) {
    const m = verdicts[i]!;
    if ('error' in m) continue;
    decided++;
    const opa = await client.check(JSON.parse(lines[i]!));
    if (opa.decision !== m.decision || opa.status !== m.status || opa.rule !== m.rule) {
      differences.push({ line: i + 1, meshguard: m, opa, request: lines[i]! });
    }
  }
  return { decided, differences };
}

describe('OPA-Envoy with the Rego twin of the policy', () => {
  let dir: string;
  const started: OpaEnvoy[] = [];

  async function serve(policy: CompiledPolicy): Promise<CheckClient> {
    const opa = await startOpaEnvoy(policy, await mkdtemp(join(dir, 'opa-')));
    started.push(opa);
    return new CheckClient(opa.grpcPort);
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshguard-opa-test-'));
    await buildPeers(['opa-envoy']);
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('agrees with meshguard check on the example requests', async () => {
    const client = await serve(await compiled(EXAMPLE_POLICY));
    try {
      const lines = (await readFile(EXAMPLE_REQUESTS, 'utf8')).split('\n').filter((l) => l.trim() !== '');
      const verdicts = await meshguardCheck(EXAMPLE_POLICY, lines);
      const { decided, differences } = await compare(client, lines, verdicts);
      expect(differences).toEqual([]);
      expect(decided).toBe(6);
      expect(verdicts.map((v) => v.status ?? 'error')).toEqual([200, 403, 400, 403, 200, 403, 'error', 'error']);
    } finally {
      client.close();
    }
  });

  it('agrees on every segment, rule, path, host and blocklist case of the shop policy', async () => {
    const policy = await compiled(EXAMPLE_POLICY);
    const client = await serve(policy);
    try {
      const lines = SHOP_CASES.map((c) => JSON.stringify(c.request));
      const verdicts = await meshguardCheck(EXAMPLE_POLICY, lines);
      expect(verdicts.filter((v) => 'error' in v)).toEqual([]);
      const { differences } = await compare(client, lines, verdicts);
      expect(differences.map((d) => ({ case: SHOP_CASES[d.line - 1]!.name, meshguard: d.meshguard, opa: d.opa }))).toEqual([]);
      // The cases reach every segment and egress rule, and every kind of denial.
      const rules = new Set(verdicts.map((v) => v.rule));
      for (const s of policy.segments) expect(rules, s.name).toContain(s.name);
      for (const r of policy.egressRules) expect(rules, r.name).toContain(r.name);
      expect(new Set(verdicts.map((v) => v.status))).toEqual(new Set([200, 400, 403]));
    } finally {
      client.close();
    }
  });

  it('agrees on a generated policy (selectors, prefixes, namespaces, rules, egress) and its mixed corpus', async () => {
    const doc = generatePolicyDocument({ workloads: 60, segments: 200, egress: 30, rateLimitShare: 0, seed: 0x0ba });
    const file = join(dir, 'generated.yaml');
    await writeFile(file, policyYaml(doc));
    const client = await serve(await compiled(file));
    try {
      const corpus = generateCorpus(doc, { count: 1500, seed: 0x0ba });
      const lines = corpus.map((e) => JSON.stringify(e.request));
      const verdicts = await meshguardCheck(file, lines);
      const { decided, differences } = await compare(client, lines, verdicts);
      expect(decided).toBe(lines.length);
      expect(differences.slice(0, 5)).toEqual([]);
      const kinds = new Set(corpus.map((e) => e.kind));
      expect(kinds.size).toBe(7);
    } finally {
      client.close();
    }
  }, 120_000);
});
