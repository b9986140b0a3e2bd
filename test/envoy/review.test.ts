// The outside review's items (issue 12) through a real Envoy: `meshguard replay --envoy` runs a
// bank/accounts sidecar (wasm filters by ECDS, ext_authz, RBAC) and sends each request of
// ENVOY_REVIEW_CASES as a client would; `meshguard check` must give the same verdicts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runMeshguard } from '../helpers/cli.js';
import { ENVOY_BIN } from '../helpers/envoy.js';
import { ensureDist } from '../parity/dist.js';
import { ENVOY_REVIEW_CASES, REVIEW_POLICIES, REVIEW_WORKLOAD, type ReviewCase } from '../parity/review-cases.js';
import { builtFilter } from '../wasm/build.js';

type PolicyName = keyof typeof REVIEW_POLICIES;
const dir = mkdtempSync(path.join(tmpdir(), 'mg-review-envoy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Each case's output line from one command run per policy, in case order. */
async function answers(args: (policy: string) => string[]): Promise<Record<string, unknown>[]> {
  const byPolicy = new Map<PolicyName, ReviewCase[]>();
  for (const c of ENVOY_REVIEW_CASES) byPolicy.set(c.policy ?? 'bank', [...(byPolicy.get(c.policy ?? 'bank') ?? []), c]);
  const out = new Map<ReviewCase, Record<string, unknown>>();
  for (const [name, cases] of byPolicy) {
    const policy = path.join(dir, `${name}.yaml`);
    const requests = path.join(dir, `${name}.jsonl`);
    writeFileSync(policy, REVIEW_POLICIES[name]);
    writeFileSync(requests, cases.map((c) => JSON.stringify(c.request)).join('\n') + '\n');
    const r = await runMeshguard([...args(policy), '--requests', requests]);
    expect(r.code, r.stderr).toBe(0);
    jsonLines(r.stdout).forEach((line, i) => out.set(cases[i]!, line));
  }
  return ENVOY_REVIEW_CASES.map((c) => out.get(c)!);
}

const cases = ENVOY_REVIEW_CASES.map((c, i) => [`item ${c.item}: ${c.what}`, i] as const);
const verdict = (line: Record<string, unknown> | undefined) => (line && 'error' in line ? line : { decision: line?.decision, status: line?.status });

describe.skipIf(!ENVOY_BIN)('replay --envoy: the review requests in a real Envoy sidecar', () => {
  let envoy: Record<string, unknown>[];
  let check: Record<string, unknown>[];
  beforeAll(async () => {
    await ensureDist();
    const wasmDir = path.dirname((await builtFilter('identity')).file);
    await Promise.all(['anomaly', 'egress'].map((f) => builtFilter(f)));
    envoy = await answers((policy) => ['replay', '--envoy', '--policy', policy, '--workload', REVIEW_WORKLOAD, '--wasm-dir', wasmDir]);
    check = await answers((policy) => ['check', '--policy', policy]);
  }, 240_000);

  it.each(cases)('%s', (_, i) => {
    expect(verdict(envoy[i]), JSON.stringify(envoy[i])).toEqual(ENVOY_REVIEW_CASES[i]!.want);
    expect(verdict(check[i])).toEqual(ENVOY_REVIEW_CASES[i]!.want);
  });
});
