// Engine benchmark: compile time of a large generated policy, then decisions per second on one
// core over a mixed corpus, for decide() and for Authorizer.check (in-process rate limits, anomaly
// off). Baseline in the same run: a trivial function over the same inputs (a Map lookup of the
// destination workload only).
import { Authorizer } from '../control-plane/authorizer/authorizer.js';
import { decide } from '../control-plane/engine/decide.js';
import { LocalRateLimitStore } from '../control-plane/authorizer/rate-limit.js';
import type { CheckInput } from '../control-plane/engine/request.js';
import { compilePolicy } from '../control-plane/policy/compile.js';
import type { CompiledPolicy } from '../control-plane/policy/compiled.js';
import { parsePolicy } from '../control-plane/policy/load.js';
import { loadYamlValues } from '../control-plane/policy/source.js';
import { BENCH_SHAPE, generateCorpus, generatePolicyDocument, policyYaml, type CorpusEntry } from './generate-policy.js';
import { table } from './lib/format.js';
import { median, timeIterations, timeRounds } from './lib/stats.js';
import type { Benchmark, BenchContext, BenchReport, Figure } from './lib/types.js';

const REQUESTS = 100_000;
const WARMUP_ROUNDS = 3;
const MEASURED_ROUNDS = 9;
const HOT_SET = 1000;

/** Keeps results alive so that the JIT cannot drop the work being timed. */
let sink = 0;

function baselineLookup(p: CompiledPolicy, input: CheckInput): number {
  const named = input.contextExtensions['meshguard.io/workload'];
  const w = named !== undefined ? p.workloads.get(named) : p.workloadsByIdentity.get(input.destination.principal)?.[0];
  return w === undefined ? 403 : 200;
}

function runBaseline(p: CompiledPolicy, inputs: readonly CheckInput[]): void {
  let acc = 0;
  for (let i = 0; i < inputs.length; i++) acc += baselineLookup(p, inputs[i]!);
  sink += acc;
}

function runDecide(p: CompiledPolicy, inputs: readonly CheckInput[]): void {
  let acc = 0;
  for (let i = 0; i < inputs.length; i++) acc += decide(p, inputs[i]!).status;
  sink += acc;
}

function runAuthorizer(a: Authorizer, inputs: readonly CheckInput[]): void {
  let acc = 0;
  for (let i = 0; i < inputs.length; i++) {
    const r = a.check(inputs[i]!);
    if (r instanceof Promise) throw new Error('the in-process rate-limit store answered asynchronously');
    acc += r.status;
  }
  sink += acc;
}

/** Median decisions per second of `fn` over the inputs (wall clock), after warm-up rounds; and by CPU time. */
function decisionsPerSecond(fn: () => void, count: number): { perSecond: number; perCpuSecond: number; rounds: number[] } {
  const { wallMs, cpuMs } = timeRounds(fn, MEASURED_ROUNDS, WARMUP_ROUNDS);
  const rounds = wallMs.map((ms) => count / (ms / 1000));
  return { perSecond: median(rounds), perCpuSecond: median(cpuMs.map((ms) => count / (ms / 1000))), rounds };
}

function verdictMix(p: CompiledPolicy, corpus: readonly CorpusEntry[]): string {
  const byKind = new Map<string, Map<number, number>>();
  for (const e of corpus) {
    const counts = byKind.get(e.kind) ?? byKind.set(e.kind, new Map()).get(e.kind)!;
    const status = decide(p, e.input).status;
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  const statuses = [200, 400, 403];
  const rows = [...byKind].sort(([a], [b]) => a.localeCompare(b)).map(([kind, counts]) => {
    const total = [...counts.values()].reduce((s, n) => s + n, 0);
    return [kind, String(total), ...statuses.map((s) => `${(((counts.get(s) ?? 0) / total) * 100).toFixed(1)}%`)];
  });
  return table([['request kind', 'count', ...statuses.map(String)], ...rows]);
}

async function run(ctx: BenchContext): Promise<BenchReport> {
  const shape = BENCH_SHAPE;
  let t = performance.now();
  const doc = generatePolicyDocument(shape);
  const yaml = policyYaml(doc);
  ctx.log(`generated policy: ${shape.workloads} workloads, ${shape.segments} segments, ${shape.egress} egress rules; YAML ${(yaml.length / 1024).toFixed(0)} KiB (${(performance.now() - t).toFixed(0)} ms)`);

  const loaded = parsePolicy(yaml, 'bench-policy.yaml');
  if (!loaded.ok) throw new Error(`the generated policy is invalid: ${loaded.errors.slice(0, 3).map((e) => `${e.line}:${e.col} ${e.message}`).join('; ')}`);
  ctx.log(`validation: ${loaded.warnings.length} warnings`);
  const compiled = compilePolicy(loaded.policy, loaded.origin);

  // The loader's own YAML step (js-yaml, core schema), alone: load minus validate and compile.
  const yamlOnly = median(timeIterations(() => void loadYamlValues(yaml, 'bench.yaml'), 5, 1));
  const loadTimes = timeIterations(() => {
    const r = parsePolicy(yaml, 'bench-policy.yaml');
    if (!r.ok) throw new Error('invalid');
    compilePolicy(r.policy, r.origin);
  }, 5, 1);
  const compileTimes = timeIterations(() => void compilePolicy(loaded.policy, loaded.origin), 11, 2);
  ctx.log(`YAML parse only: ${yamlOnly.toFixed(1)} ms; parse+validate+compile: ${loadTimes.map((x) => x.toFixed(0)).join(', ')} ms; compile: ${compileTimes.map((x) => x.toFixed(1)).join(', ')} ms`);

  t = performance.now();
  const corpus = generateCorpus(loaded.policy, { count: REQUESTS });
  const inputs = corpus.map((e) => e.input);
  ctx.log(`corpus: ${REQUESTS.toLocaleString('en-US')} requests (${(performance.now() - t).toFixed(0)} ms); verdicts of decide() by kind:`);
  for (const line of verdictMix(compiled, corpus).split('\n')) ctx.log(`  ${line}`);

  const base = decisionsPerSecond(() => runBaseline(compiled, inputs), inputs.length);
  const dec = decisionsPerSecond(() => runDecide(compiled, inputs), inputs.length);
  const authorizer = new Authorizer(compiled, new LocalRateLimitStore());
  const auth = decisionsPerSecond(() => runAuthorizer(authorizer, inputs), inputs.length);
  const fmt = (r: { rounds: number[]; perCpuSecond: number }) => `${r.rounds.map((x) => (x / 1e6).toFixed(2)).join(', ')} (median by process CPU time: ${(r.perCpuSecond / 1e6).toFixed(2)})`;
  ctx.log(`rounds (M/s) baseline: ${fmt(base)}`);
  ctx.log(`rounds (M/s) decide(): ${fmt(dec)}`);
  ctx.log(`rounds (M/s) Authorizer.check: ${fmt(auth)}`);
  // The same work on a working set that fits in the CPU caches: shows how much of the time above is
  // memory traffic over 100k distinct request objects rather than the decision itself.
  const hot = Array.from({ length: 100 }, () => inputs.slice(0, HOT_SET)).flat();
  const hotBase = decisionsPerSecond(() => runBaseline(compiled, hot), hot.length);
  const hotDec = decisionsPerSecond(() => runDecide(compiled, hot), hot.length);
  ctx.log(`rounds (M/s) ${HOT_SET} requests × 100, baseline: ${fmt(hotBase)}; decide(): ${fmt(hotDec)}`);
  if (sink === 42) ctx.log('');

  const baseline = { name: 'Map lookup of the destination workload', value: base.perSecond };
  const yamlBaseline = { name: 'YAML parse only (the loader\'s js-yaml step)', value: yamlOnly };
  const figures: Figure[] = [
    { name: 'load: YAML parse + validate + compile', value: median(loadTimes), unit: 'ms', baseline: yamlBaseline },
    { name: 'compile alone', value: median(compileTimes), unit: 'ms', target: { op: '<=', value: 200 }, baseline: yamlBaseline },
    { name: 'decide() decisions/s (1 core)', value: dec.perSecond, unit: '/s', target: { op: '>=', value: 1_000_000 }, baseline },
    { name: 'Authorizer.check decisions/s (1 core)', value: auth.perSecond, unit: '/s', target: { op: '>=', value: 1_000_000 }, baseline },
    { name: 'baseline: destination Map lookup/s', value: base.perSecond, unit: '/s' },
    { name: `decide()/s, ${HOT_SET}-request working set (cache-hot)`, value: hotDec.perSecond, unit: '/s', baseline: { name: 'Map lookup, same set', value: hotBase.perSecond } },
  ];
  return {
    figures,
    notes: [
      `policy ${shape.workloads} workloads / ${shape.segments} segments / ${shape.egress} egress rules (seeded, bench/generate-policy.ts); ${REQUESTS.toLocaleString('en-US')} pre-built CheckInputs, mixed kinds`,
      `decisions/s: median of ${MEASURED_ROUNDS} rounds over the whole corpus after ${WARMUP_ROUNDS} warm-up rounds; Authorizer with LocalRateLimitStore, anomaly off`,
    ],
  };
}

export const benchmark: Benchmark = { name: 'engine', title: 'policy compile time and decisions per second', order: 10, run };
