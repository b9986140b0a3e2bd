// The outside review's crafted requests (issue 12, items 1-7) through every enforcer:
// `meshguard check` (the engine), the gRPC ext_authz server of `meshguard serve`, and
// `meshguard replay` (the wasm filters in the proxy-wasm host). Each must give the verdict of
// test/parity/review-cases.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runMeshguard } from '../helpers/cli.js';
import { check, checkClient, startServe, type CheckClient, type CheckResponse, type ServeProcess } from '../helpers/serve.js';
import { builtFilter } from '../wasm/build.js';
import { ensureDist } from './dist.js';
import { REVIEW_CASES, REVIEW_POLICIES, REVIEW_WORKLOAD, type Expected } from './review-cases.js';

type PolicyName = keyof typeof REVIEW_POLICIES;
type Answer = Expected | Record<string, unknown>;

const dir = mkdtempSync(path.join(tmpdir(), 'mg-review-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NAMES = Object.keys(REVIEW_POLICIES) as PolicyName[];
const policyOf = (i: number): PolicyName => REVIEW_CASES[i]!.policy ?? 'bank';
const files = Object.fromEntries(NAMES.map((name) => {
  const policy = path.join(dir, `${name}.yaml`);
  const requests = path.join(dir, `${name}.jsonl`);
  writeFileSync(policy, REVIEW_POLICIES[name]);
  writeFileSync(requests, REVIEW_CASES.filter((_, i) => policyOf(i) === name).map((c) => JSON.stringify(c.request)).join('\n') + '\n');
  return [name, { policy, requests }];
})) as Record<PolicyName, { policy: string; requests: string }>;

const cases = REVIEW_CASES.map((c, i) => [`item ${c.item}: ${c.what}`, i] as const);

function verdictOf(line: Record<string, unknown>): Answer {
  return 'error' in line ? line : { decision: line.decision as Expected['decision'], status: line.status as number };
}

/** Each case's answer from one CLI command, run once per policy over that policy's requests. */
async function cliVerdicts(args: string[]): Promise<Answer[]> {
  await ensureDist();
  const answers = new Map<PolicyName, Answer[]>();
  for (const name of NAMES) {
    const r = await runMeshguard([...args, '--policy', files[name].policy, '--requests', files[name].requests]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    answers.set(name, jsonLines(r.stdout).map(verdictOf));
  }
  const next = new Map(NAMES.map((n) => [n, 0]));
  return REVIEW_CASES.map((_, i) => {
    const name = policyOf(i);
    const k = next.get(name)!;
    next.set(name, k + 1);
    return answers.get(name)![k]!;
  });
}

describe('meshguard check (the engine) decides the review requests', () => {
  let verdicts: Answer[];
  beforeAll(async () => {
    verdicts = await cliVerdicts(['check']);
  }, 120_000);
  it.each(cases)('%s', (_, i) => expect(verdicts[i]).toEqual(REVIEW_CASES[i]!.want));
});

describe('meshguard replay (the wasm filters) decides the review requests', () => {
  let verdicts: Answer[];
  beforeAll(async () => {
    const wasmDir = path.dirname((await builtFilter('identity')).file);
    await Promise.all(['anomaly', 'egress'].map((f) => builtFilter(f)));
    verdicts = await cliVerdicts(['replay', '--workload', REVIEW_WORKLOAD, '--wasm-dir', wasmDir]);
  }, 180_000);
  it.each(cases)('%s', (_, i) => expect(verdicts[i]).toEqual(REVIEW_CASES[i]!.want));
});

const STATUS: Record<string, number> = { BadRequest: 400, Forbidden: 403, TooManyRequests: 429 };

function grpcVerdict(res: CheckResponse): Expected {
  if (res.status.code === 0) return { decision: 'allow', status: 200 };
  const code = res.deniedResponse?.status.code;
  return { decision: 'deny', status: typeof code === 'number' ? code : STATUS[String(code)] ?? -1 };
}

describe('the gRPC ext_authz server (meshguard serve) decides the review requests', () => {
  const serves = new Map<PolicyName, { serve: ServeProcess; client: CheckClient }>();
  beforeAll(async () => {
    await ensureDist();
    for (const name of NAMES) {
      const serve = await startServe(['--policy', files[name].policy, '--redis', 'none', '--log-allow-sample', '0']);
      serves.set(name, { serve, client: checkClient(serve.authzPort) });
    }
  }, 60_000);
  afterAll(async () => {
    for (const { serve, client } of serves.values()) {
      client.close();
      await serve.stop();
    }
  });
  it.each(cases)('%s', async (_, i) => {
    const { client } = serves.get(policyOf(i))!;
    expect(grpcVerdict(await check(client, REVIEW_CASES[i]!.request))).toEqual(REVIEW_CASES[i]!.want);
  });
});
