// meshguard beside what an operator would pick instead, in one run (issue 15):
// 1. direct gRPC Check, one load generator (a forked process) sending the same pre-serialized
//    CheckRequests to `meshguard serve`, OPA-Envoy (the Rego twin of the policy) and a bare grpc-js
//    server that does no work: maximum throughput (closed loop), p50/p99 at one fixed rate (open
//    loop) and server CPU per call;
// 2. a real Envoy whose ext_authz filter points at meshguard, then at OPA-Envoy (and none, as the
//    floor): requests/s and p99 under autocannon;
// 3. shared rate limits across two replicas on the same Redis, examples/shop.yaml's limits:
//    meshguard's GCRA (two `serve` processes) against envoyproxy/ratelimit's fixed window (two
//    ratelimit processes): what each admits under steady overload and across a window edge, and
//    the latency each adds;
// 4. `serve`'s idle RSS.
// Every peer is started and stopped here; a peer that does not build or start fails the run.
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { envoyVersion, requireEnvoy } from '../control-plane/envoy/binary.js';
import { loopbackBlock } from '../control-plane/envoy/loopback.js';
import { MeshCa } from '../control-plane/envoy/pki.js';
import { startEnvoy } from '../control-plane/envoy/process.js';
import type { CompiledPolicy } from '../control-plane/policy/compiled.js';
import { loadCompiledPolicy } from '../control-plane/policy/load.js';
import { Generator } from './authz/generator.js';
import { memoryOf, startServer, type ServerProcess } from './authz/processes.js';
import type { RunMessage, RunResult } from './authz/protocol.js';
import { bootstrap, extAuthzFilter, type BenchListener } from './envoy/bootstraps.js';
import { BENCH_SHAPE, generatePolicyDocument, policyYaml, type PolicyShape } from './generate-policy.js';
import { formatNumber, table } from './lib/format.js';
import { measurement, percentile, processCpuMs } from './lib/stats.js';
import type { Benchmark, BenchContext, BenchReport, Figure } from './lib/types.js';
import { buildPeers } from './peers/binaries.js';
import { CheckClient, type PeerVerdict } from './peers/check-client.js';
import { startOpaEnvoy } from './peers/opa-envoy.js';
import { RatelimitClient, startRatelimit, type Ratelimit } from './peers/ratelimit.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');
const MESHGUARD = join(REPO, 'bin', 'meshguard');
const BARE_SERVER = join(HERE, 'authz', 'bare-server.js');
const LOAD_GENERATOR = join(HERE, 'authz', 'load-generator.js');
const SHOP = join(REPO, 'examples', 'shop.yaml');
const REDIS_HOST = process.env.MESHGUARD_BENCH_REDIS ?? '127.0.0.1:6379';

// 1. direct gRPC
/** The authz benchmark's policy (500 workloads, 2,000 segments, 200 egress rules) without rate limits: OPA has none. */
const DIRECT_SHAPE: PolicyShape = { ...BENCH_SHAPE, rateLimitShare: 0 };
const CHANNELS = 4;
const CONCURRENCY = [24, 64];
const WARMUP_MS = 1500;
const CLOSED_MS = 4000;
const OPEN_MS = 5000;
const CORPUS = 20_000;
const SEED = 0xc0ffee;

// 2. through Envoy
const ENVOY_SECONDS = Number(process.env.MESHGUARD_BENCH_PEERS_ENVOY_SECONDS ?? 8);
const ENVOY_CONNECTIONS = 8;

// 3. rate limits (examples/shop.yaml: web-to-api 50/s, burst 100)
const TD = 'spiffe://cluster.local';
const FRONTEND = `${TD}/ns/shop/sa/frontend`;
const PROBER = `${TD}/ns/ops/sa/prober`;
const PROMETHEUS = `${TD}/ns/monitoring/sa/prometheus`;
const LIMITED_SEGMENT = 'web-to-api';
/** Offered to each limiter (split evenly over its two replicas): 4× the limit. */
const OFFERED_PER_SECOND = 200;
const STEADY_SECONDS = 21;
/** The first second (GCRA's burst is spent in it) is left out of the steady-state window. */
const STEADY_SKIP_SECONDS = 1;
/** Requests in each of the two bursts around a window edge, per limiter. */
const EDGE_BURST = 100;
const EDGE_BEFORE_MS = 150;
const EDGE_AFTER_MS = 50;

// 4. memory
const IDLE_SETTLE_MS = 3000;
const RSS_TARGET_MB = 150;

const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : String(x));
const pct = (x: number | null) => (x === null ? '?' : `${(x * 100).toFixed(0)}%`);

async function compiled(file: string): Promise<CompiledPolicy> {
  const loaded = await loadCompiledPolicy(file);
  if (!loaded.ok) throw new Error(`${file} does not compile`);
  return loaded.compiled;
}

/** A resource stopped at the end whatever happens. */
type Stopper = () => Promise<void> | void;

class Resources {
  private readonly stoppers: Stopper[] = [];
  add<T>(value: T, stop: (v: T) => Promise<void> | void): T {
    this.stoppers.push(() => stop(value));
    return value;
  }
  async stopAll(): Promise<void> {
    for (const stop of this.stoppers.reverse()) {
      try {
        await stop();
      } catch {
        // keep stopping the others
      }
    }
    this.stoppers.length = 0;
  }
}

function serveArgs(policy: string, extra: readonly string[]): string[] {
  return [MESHGUARD, 'serve', '--policy', policy, '--authz-port', '0', '--admin-port', '0', '--bind', '127.0.0.1', ...extra];
}

async function waitReady(adminPort: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${adminPort}/readyz`, { signal: AbortSignal.timeout(1000) });
      const body = await res.text();
      if (res.status === 200 && !/degraded/i.test(body)) return;
      if (Date.now() > deadline) throw new Error(`/readyz answered ${res.status} ${body.slice(0, 200)}`);
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`meshguard on admin port ${adminPort} not ready: ${(err as Error).message}`, { cause: err });
    }
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------------------------
// 1. direct gRPC Check

interface DirectResult {
  readonly closed: ReadonlyMap<string, RunResult>;
  readonly open: ReadonlyMap<string, RunResult>;
  readonly rate: number;
  readonly rows: string[][];
  readonly idle: ReadonlyMap<string, number>;
}

function runRow(r: RunResult): string[] {
  const load = r.mode === 'closed' ? `closed c=${r.concurrency}` : `open ${formatNumber(r.rate)}/s`;
  const codes = Object.entries(r.responseCodes).map(([c, n]) => `${c}:${n}`).join(' ');
  return [r.label, load, formatNumber(r.throughput), ms(r.p50), ms(r.p99), pct(r.serverCpu), pct(r.generatorCpu), r.serverCpuPerCallUs === null ? '?' : r.serverCpuPerCallUs.toFixed(1), String(r.errors), codes];
}

function best(results: readonly RunResult[]): RunResult {
  return results.reduce((a, b) => (b.throughput > a.throughput ? b : a));
}

async function direct(ctx: BenchContext, dir: string, res: Resources): Promise<DirectResult> {
  const policyFile = join(dir, 'direct.yaml');
  await writeFile(policyFile, policyYaml(generatePolicyDocument(DIRECT_SHAPE)));
  const policy = await compiled(policyFile);
  const serve = res.add(await startServer(serveArgs(policyFile, ['--xds-port', 'none', '--redis', 'none']), join(dir, 'direct-serve.log'), 60_000), (p) => p.stop());
  const opaDir = join(dir, 'opa-direct');
  await mkdir(opaDir);
  const opa = res.add(await startOpaEnvoy(policy, opaDir), (p) => p.stop());
  const bare = res.add(await startServer([BARE_SERVER], join(dir, 'bare.log')), (p) => p.stop());
  const idle = new Map<string, number>();
  await sleep(IDLE_SETTLE_MS);
  for (const [label, pid] of [['meshguard', serve.pid], ['opa-envoy', opa.pid], ['bare', bare.pid]] as const) idle.set(label, measurement(memoryOf(pid).rssMb, `${label} RSS`));
  ctx.log(`direct: serve pid ${serve.pid} (:${serve.ports.authz}), OPA-Envoy pid ${opa.pid} (:${opa.grpcPort}), bare pid ${bare.pid} (:${bare.ports.authz}); policy ${DIRECT_SHAPE.workloads}/${DIRECT_SHAPE.segments}/${DIRECT_SHAPE.egress}, no rate limits`);
  ctx.log(`idle RSS with this policy: meshguard ${idle.get('meshguard')!.toFixed(1)} MB, OPA-Envoy ${idle.get('opa-envoy')!.toFixed(1)} MB, bare ${idle.get('bare')!.toFixed(1)} MB`);

  const generator = res.add(new Generator(fork(LOAD_GENERATOR, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })), (g) => g.stop());
  await generator.request({ type: 'prepare', shape: DIRECT_SHAPE, corpusSize: CORPUS, seed: SEED });
  const base = { type: 'run', channels: CHANNELS, warmupMs: WARMUP_MS, rate: 0, concurrency: 0 } as const;
  const targets = [
    { label: 'meshguard', port: serve.ports.authz!, pid: serve.pid },
    { label: 'opa-envoy', port: opa.grpcPort, pid: opa.pid },
    { label: 'bare', port: bare.ports.authz!, pid: bare.pid },
  ];
  const rows: string[][] = [];
  const closed = new Map<string, RunResult>();
  for (const t of targets) {
    const runs: RunResult[] = [];
    for (const concurrency of CONCURRENCY) {
      const m: RunMessage = { ...base, label: t.label, port: t.port, serverPid: t.pid, mode: 'closed', concurrency, durationMs: CLOSED_MS };
      const r = await generator.run(m);
      ctx.log(`${t.label} closed c=${concurrency}: ${formatNumber(r.throughput)} req/s, server CPU ${pct(r.serverCpu)}, ${r.errors} errors`);
      runs.push(r);
      rows.push(runRow(r));
    }
    closed.set(t.label, best(runs));
  }
  // One rate for all three: half of the slower of meshguard and OPA-Envoy, so that both serve it.
  const rate = Math.max(100, Math.floor(Math.min(closed.get('meshguard')!.throughput, closed.get('opa-envoy')!.throughput) / 2));
  const open = new Map<string, RunResult>();
  for (const t of targets) {
    const r = await generator.run({ ...base, label: t.label, port: t.port, serverPid: t.pid, mode: 'open', rate, durationMs: OPEN_MS });
    ctx.log(`${t.label} open ${formatNumber(rate)}/s: p50 ${ms(r.p50)} ms, p99 ${ms(r.p99)} ms, achieved ${formatNumber(r.throughput)}/s, ${r.errors} errors`);
    open.set(t.label, r);
    rows.push(runRow(r));
  }
  for (const r of [...closed.values(), ...open.values()]) {
    if (r.errors > 0 || r.completed === 0) throw new Error(`${r.label} ${r.mode}: ${r.errors} errors, ${r.completed} answers`);
  }
  return { closed, open, rate, rows, idle };
}

// ---------------------------------------------------------------------------------------------
// 2. through a real Envoy

interface EnvoyMeasured {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  /** CPU of the ext_authz server per request, µs (null without one). */
  readonly authzCpuUs: number | null;
}

async function throughEnvoy(ctx: BenchContext, dir: string, res: Resources): Promise<{ results: Map<string, EnvoyMeasured>; version: string }> {
  const binary = requireEnvoy();
  const version = envoyVersion(binary);
  // No rate limit: this part measures allowed requests, not 429s (as the envoy benchmark does).
  const policyFile = join(dir, 'shop-no-limits.yaml');
  await writeFile(policyFile, (await readFile(SHOP, 'utf8')).replace(/^\s*rateLimit:.*\n/gm, ''));
  const policy = await compiled(policyFile);
  const serve = res.add(await startServer(serveArgs(policyFile, ['--xds-port', 'none', '--redis', 'none']), join(dir, 'envoy-serve.log'), 60_000), (p) => p.stop());
  const opaDir = join(dir, 'opa-envoy-shop');
  await mkdir(opaDir);
  const opa = res.add(await startOpaEnvoy(policy, opaDir), (p) => p.stop());
  const ca = new MeshCa(join(dir, 'pki'));
  const server = ca.issue('server', `${TD}/ns/shop/sa/api`);
  const client = ca.client(FRONTEND);
  const tls = { ...client, ca: readFileSync(ca.cert, 'utf8'), rejectUnauthorized: false };
  const configs = [
    { id: 'none', label: 'no ext_authz', port: null, pid: null },
    { id: 'meshguard', label: 'ext_authz → meshguard', port: serve.ports.authz!, pid: serve.pid },
    { id: 'opa-envoy', label: 'ext_authz → OPA-Envoy', port: opa.grpcPort, pid: opa.pid },
  ];
  const results = new Map<string, EnvoyMeasured>();
  for (const c of configs) {
    const block = loopbackBlock();
    const listener: BenchListener = { address: `${block}.2`, port: 8080, cert: server.cert, key: server.key, ca: server.ca };
    const filters = c.port === null ? [] : [extAuthzFilter()];
    const envoy = await startEnvoy({ binary, bootstrap: bootstrap(listener, filters, { 'meshguard.io/workload': 'shop/api' }, c.port) });
    try {
      await envoy.waitForStats((s) => s.get('listener_manager.workers_started') === 1, 60_000);
      const opts = {
        url: `https://${listener.address}:${listener.port}/api/items?page=2`, connections: ENVOY_CONNECTIONS, headers: { host: 'api.shop' },
        tlsOptions: tls, servername: 'localhost',
      };
      await autocannon({ ...opts, duration: 2 } as autocannon.Options);
      const cpu0 = c.pid === null ? null : processCpuMs(c.pid, (p) => readFileSync(p, 'utf8'));
      const r = await autocannon({ ...opts, duration: ENVOY_SECONDS } as autocannon.Options);
      const cpu1 = c.pid === null ? null : processCpuMs(c.pid, (p) => readFileSync(p, 'utf8'));
      const ok = r['2xx'];
      if (r.non2xx > 0 || r.errors > 0 || ok === 0) throw new Error(`Envoy, ${c.label}: ${r.non2xx} non-2xx answers, ${r.errors} errors of ${r.requests.total} (the requests are allowed by the policy)`);
      const m: EnvoyMeasured = {
        rps: ok / r.duration, p50: r.latency.p50, p99: r.latency.p99, requests: ok,
        authzCpuUs: cpu0 === null || cpu1 === null ? null : ((cpu1 - cpu0) * 1000) / ok,
      };
      results.set(c.id, m);
      ctx.log(`Envoy, ${c.label}: ${formatNumber(m.rps)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms${m.authzCpuUs === null ? '' : `, ext_authz server CPU ${m.authzCpuUs.toFixed(1)} µs/request`} (${ok} requests)`);
    } finally {
      await envoy.stop();
    }
  }
  await opa.stop();
  await serve.stop();
  return { results, version };
}

// ---------------------------------------------------------------------------------------------
// 3. rate limits across two replicas

interface Sample {
  /** When the call was made, ms since the whole second the scenario started on (wall clock). */
  readonly sent: number;
  readonly latency: number;
  readonly allowed: boolean;
}

interface Limiter {
  readonly name: string;
  /** One call for the limited segment from `source` on replica `replica`: allowed or not. */
  take(replica: number, source: string): Promise<boolean>;
}

function inboundCheck(from: string, to: string, path: string): object {
  return {
    attributes: {
      source: { principal: from, address: { socketAddress: { address: '10.1.0.12', portValue: 40000 } } },
      destination: { address: { socketAddress: { address: '10.1.0.20', portValue: 8080 } } },
      request: { http: { method: 'GET', path, headers: { 'user-agent': 'bench' } } },
      contextExtensions: { 'meshguard.io/workload': to },
    },
  };
}

function verdictAllowed(v: PeerVerdict, what: string): boolean {
  if (v.status === 200) return true;
  if (v.status === 429) return false;
  throw new Error(`${what}: status ${v.status} (expected 200 or 429)`);
}

async function timed(sent: number, call: () => Promise<boolean>, into: Sample[]): Promise<void> {
  const t0 = performance.now();
  const allowed = await call();
  into.push({ sent, latency: performance.now() - t0, allowed });
}

/** Milliseconds until the next whole second of the wall clock (the fixed window's edges). */
function toNextSecond(): number {
  return 1000 - (Date.now() % 1000);
}

/** The most allowed in any `spanMs` window of send times. */
function maxInWindow(samples: readonly Sample[], spanMs: number): number {
  const times = samples.filter((s) => s.allowed).map((s) => s.sent).sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j]! - times[i]! >= spanMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

interface SteadyResult {
  readonly samples: ReadonlyMap<string, Sample[]>;
}

/**
 * Open loop, started on a whole second: every 1/OFFERED s, one call to each limiter (replicas in
 * turn) for the limited segment, and one meshguard Check for an unlimited segment (the latency
 * baseline), all at once.
 */
async function steady(limiters: readonly Limiter[], unlimited: Limiter, source: string): Promise<SteadyResult> {
  const samples = new Map<string, Sample[]>([...limiters.map((l) => [l.name, [] as Sample[]] as const), [unlimited.name, []]]);
  await sleep(toNextSecond());
  // Send times are wall-clock times from the whole second the run starts on, so that the fixed
  // window's edges fall on whole seconds of `sent`.
  const startWall = Math.round(Date.now() / 1000) * 1000;
  const wallNow = () => performance.timeOrigin + performance.now();
  const interval = 1000 / OFFERED_PER_SECOND;
  const total = OFFERED_PER_SECOND * STEADY_SECONDS;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = startWall + i * interval - wallNow();
    if (wait > 1) await sleep(wait);
    const sent = wallNow() - startWall;
    for (const l of [...limiters, unlimited]) pending.push(timed(sent, () => l.take(i % 2, source), samples.get(l.name)!));
  }
  await Promise.all(pending);
  return { samples };
}

interface EdgeResult {
  readonly before: number;
  readonly after: number;
  /** First call made → last answer, ms. */
  readonly spanMs: number;
}

/** EDGE_BURST calls just before a whole second and EDGE_BURST just after, to both replicas. */
async function edge(limiter: Limiter, source: string): Promise<EdgeResult> {
  let wait = toNextSecond();
  if (wait < EDGE_BEFORE_MS + 100) wait += 1000;
  await sleep(wait - EDGE_BEFORE_MS);
  const burst = () => Promise.all(Array.from({ length: EDGE_BURST }, (_, i) => limiter.take(i % 2, source)));
  const t0 = performance.now();
  const first = burst();
  await sleep(EDGE_BEFORE_MS + EDGE_AFTER_MS - (performance.now() - t0));
  const second = burst();
  const [a, b] = await Promise.all([first, second]);
  const spanMs = performance.now() - t0;
  return { before: a.filter(Boolean).length, after: b.filter(Boolean).length, spanMs };
}

interface RateLimitResult {
  readonly steady: SteadyResult;
  readonly edges: ReadonlyMap<string, EdgeResult>;
  readonly rate: number;
  readonly burst: number;
}

async function rateLimits(ctx: BenchContext, dir: string, res: Resources): Promise<RateLimitResult> {
  const run = randomUUID().slice(0, 8);
  // The example policy under a name of this run's own: meshguard's keys are mg:rl:<name>:…
  const policyFile = join(dir, 'shop-rl.yaml');
  await writeFile(policyFile, (await readFile(SHOP, 'utf8')).replace(/^(\s*name:) shop$/m, `$1 shop-peers-${run}`));
  const policy = await compiled(policyFile);
  const segment = policy.segments.find((s) => s.name === LIMITED_SEGMENT);
  const limit = measurement(segment?.rateLimit, `${LIMITED_SEGMENT}'s rateLimit in examples/shop.yaml`);
  const redisUrl = `redis://${REDIS_HOST}`;
  const serves: ServerProcess[] = [];
  for (const i of [0, 1]) {
    const s = res.add(await startServer(serveArgs(policyFile, ['--xds-port', 'none', '--redis', redisUrl]), join(dir, `rl-serve-${i}.log`), 60_000), (p) => p.stop());
    await waitReady(s.ports.admin!);
    serves.push(s);
  }
  const ratelimits: Ratelimit[] = [];
  for (const i of [0, 1]) {
    const d = join(dir, `ratelimit-${i}`);
    await mkdir(d);
    ratelimits.push(res.add(await startRatelimit(policy, d, { redis: REDIS_HOST, keyPrefix: `peersbench-${run}:` }), (p) => p.stop()));
  }
  ctx.log(`rate limits: meshguard serve × 2 (pids ${serves.map((s) => s.pid).join(', ')}) and envoyproxy/ratelimit × 2 (pids ${ratelimits.map((r) => r.pid).join(', ')}) on redis://${REDIS_HOST}; ${LIMITED_SEGMENT}: ${limit.requestsPerSecond}/s, burst ${limit.burst}`);
  const checks = serves.map((s) => res.add(new CheckClient(s.ports.authz!), (c) => c.close()));
  const rls = ratelimits.map((r) => res.add(new RatelimitClient(r.grpcPort, r.domain), (c) => c.close()));
  await Promise.all(rls.map((c) => c.waitForReady()));
  const meshguard: Limiter = {
    name: 'meshguard GCRA',
    take: async (replica, source) => verdictAllowed(await checks[replica]!.check(inboundCheck(source, 'shop/api', '/api/items')), 'meshguard'),
  };
  const ratelimit: Limiter = { name: 'ratelimit fixed window', take: (replica, source) => rls[replica]!.shouldRateLimit(LIMITED_SEGMENT, source) };
  const unlimited: Limiter = {
    name: 'meshguard, segment without a limit',
    take: async (replica) => verdictAllowed(await checks[replica]!.check(inboundCheck(PROMETHEUS, 'shop/frontend', '/metrics')), 'meshguard unlimited'),
  };
  // Warm the connections without touching the measured keys: meshguard through the unlimited
  // segment, ratelimit with another source.
  for (const r of [0, 1]) {
    await unlimited.take(r, PROMETHEUS);
    await ratelimit.take(r, 'warm-up');
  }

  const steadyResult = await steady([meshguard, ratelimit], unlimited, FRONTEND);
  const edges = new Map<string, EdgeResult>();
  // Fresh keys for the edge: the prober's, not used until now.
  for (const l of [meshguard, ratelimit]) {
    const e = await edge(l, PROBER);
    ctx.log(`${l.name}: ${e.before} allowed of ${EDGE_BURST} ${EDGE_BEFORE_MS} ms before a window edge, ${e.after} of ${EDGE_BURST} ${EDGE_AFTER_MS} ms after, within ${e.spanMs.toFixed(0)} ms`);
    edges.set(l.name, e);
  }
  return { steady: steadyResult, edges, rate: limit.requestsPerSecond, burst: limit.burst };
}

// ---------------------------------------------------------------------------------------------
// 4. idle RSS of serve

interface MemoryResult {
  /** VmRSS SETTLED_MS after the listening line, then after SETTLED_MS idle. */
  readonly big: { readonly soon: number; readonly settled: number };
  readonly shop: { readonly soon: number; readonly settled: number };
}

/** V8 gives back the young generation a parse grew only once it has been idle a while (its memory reducer). */
const SETTLED_MS = 30_000;

async function idleMemory(ctx: BenchContext, dir: string, res: Resources): Promise<MemoryResult> {
  const big = join(dir, 'memory.yaml');
  await writeFile(big, policyYaml(generatePolicyDocument(BENCH_SHAPE)));
  // As the authz benchmark starts it (xDS on, Redis off), with its policy and with the example.
  const a = res.add(await startServer(serveArgs(big, ['--xds-port', '0', '--redis', 'none']), join(dir, 'memory-big.log'), 60_000), (p) => p.stop());
  const aStarted = performance.now();
  const b = res.add(await startServer(serveArgs(SHOP, ['--xds-port', '0', '--redis', 'none']), join(dir, 'memory-shop.log'), 60_000), (p) => p.stop());
  const bStarted = performance.now();
  const rssAt = async (p: ServerProcess, started: number, atMs: number) => {
    const wait = started + atMs - performance.now();
    if (wait > 0) await sleep(wait);
    return measurement(memoryOf(p.pid).rssMb, `VmRSS of serve ${p.pid}`);
  };
  const aSoon = await rssAt(a, aStarted, IDLE_SETTLE_MS);
  const bSoon = await rssAt(b, bStarted, IDLE_SETTLE_MS);
  const aSettled = await rssAt(a, aStarted, SETTLED_MS);
  const bSettled = await rssAt(b, bStarted, SETTLED_MS);
  ctx.log(`serve idle RSS, 500-workload policy, xDS on: ${aSoon.toFixed(1)} MB ${IDLE_SETTLE_MS / 1000} s after ready, ${aSettled.toFixed(1)} MB after ${SETTLED_MS / 1000} s`);
  ctx.log(`serve idle RSS, examples/shop.yaml, xDS on: ${bSoon.toFixed(1)} MB ${IDLE_SETTLE_MS / 1000} s after ready, ${bSettled.toFixed(1)} MB after ${SETTLED_MS / 1000} s`);
  return { big: { soon: aSoon, settled: aSettled }, shop: { soon: bSoon, settled: bSettled } };
}

// ---------------------------------------------------------------------------------------------

function latencyOf(samples: readonly Sample[]): { p50: number; p99: number } {
  const l = samples.map((s) => s.latency);
  return { p50: percentile(l, 50), p99: percentile(l, 99) };
}

function report(d: DirectResult, e: { results: Map<string, EnvoyMeasured>; version: string }, rl: RateLimitResult, mem: MemoryResult): BenchReport {
  const figures: Figure[] = [];
  const c = (label: string) => measurement(d.closed.get(label), `closed loop ${label}`);
  const o = (label: string) => measurement(d.open.get(label), `open loop ${label}`);
  const opaName = 'OPA-Envoy, same run';
  const bareName = 'bare grpc-js, same run';
  // 1. direct
  figures.push({ name: 'direct Check: max throughput, meshguard', value: c('meshguard').throughput, unit: 'req/s', baseline: { name: opaName, value: c('opa-envoy').throughput } });
  figures.push({ name: 'direct Check: max throughput, OPA-Envoy', value: c('opa-envoy').throughput, unit: 'req/s', baseline: { name: bareName, value: c('bare').throughput } });
  figures.push({ name: 'direct Check: max throughput, bare grpc-js', value: c('bare').throughput, unit: 'req/s' });
  figures.push({ name: 'direct Check: throughput meshguard / OPA-Envoy', value: c('meshguard').throughput / c('opa-envoy').throughput, unit: '×', target: { op: '>=', value: 1 } });
  figures.push({ name: `direct Check: p50 at ${formatNumber(d.rate)}/s, meshguard`, value: o('meshguard').p50, unit: 'ms', baseline: { name: opaName, value: o('opa-envoy').p50 }, note: `bare ${ms(o('bare').p50)} ms` });
  figures.push({ name: `direct Check: p99 at ${formatNumber(d.rate)}/s, meshguard`, value: o('meshguard').p99, unit: 'ms', baseline: { name: opaName, value: o('opa-envoy').p99 }, note: `bare ${ms(o('bare').p99)} ms` });
  figures.push({ name: 'direct Check: p99 meshguard / OPA-Envoy', value: o('meshguard').p99 / o('opa-envoy').p99, unit: '×', target: { op: '<=', value: 1 } });
  figures.push({ name: `direct Check: p50 / p99 at ${formatNumber(d.rate)}/s, OPA-Envoy`, value: o('opa-envoy').p50, unit: 'ms', note: `p99 ${ms(o('opa-envoy').p99)} ms`, baseline: { name: bareName, value: o('bare').p50 } });
  figures.push({ name: `direct Check: p50 / p99 at ${formatNumber(d.rate)}/s, bare grpc-js`, value: o('bare').p50, unit: 'ms', note: `p99 ${ms(o('bare').p99)} ms` });
  const cpu = (label: string) => measurement(c(label).serverCpuPerCallUs, `CPU per call of ${label}`);
  figures.push({ name: 'direct Check: server CPU per call at saturation, meshguard', value: cpu('meshguard'), unit: 'µs', baseline: { name: opaName, value: cpu('opa-envoy') } });
  figures.push({ name: 'direct Check: server CPU per call at saturation, OPA-Envoy', value: cpu('opa-envoy'), unit: 'µs', baseline: { name: bareName, value: cpu('bare') } });
  figures.push({ name: 'direct Check: server CPU per call at saturation, bare grpc-js', value: cpu('bare'), unit: 'µs' });
  // 2. Envoy
  const en = (id: string) => measurement(e.results.get(id), `Envoy ${id}`);
  figures.push({ name: 'Envoy ext_authz → meshguard: requests/s', value: en('meshguard').rps, unit: 'req/s', baseline: { name: 'ext_authz → OPA-Envoy, same run', value: en('opa-envoy').rps } });
  figures.push({ name: 'Envoy ext_authz → OPA-Envoy: requests/s', value: en('opa-envoy').rps, unit: 'req/s', baseline: { name: 'Envoy without ext_authz', value: en('none').rps } });
  figures.push({ name: 'Envoy without ext_authz: requests/s', value: en('none').rps, unit: 'req/s' });
  figures.push({ name: 'Envoy: requests/s meshguard / OPA-Envoy', value: en('meshguard').rps / en('opa-envoy').rps, unit: '×', target: { op: '>=', value: 1 } });
  figures.push({ name: 'Envoy ext_authz → meshguard: p99', value: en('meshguard').p99, unit: 'ms', baseline: { name: 'ext_authz → OPA-Envoy, same run', value: en('opa-envoy').p99 }, target: { op: '<=', value: en('opa-envoy').p99 }, note: `p50 ${en('meshguard').p50} ms` });
  figures.push({ name: 'Envoy ext_authz → OPA-Envoy: p99', value: en('opa-envoy').p99, unit: 'ms', baseline: { name: 'Envoy without ext_authz', value: en('none').p99 }, note: `p50 ${en('opa-envoy').p50} ms` });
  figures.push({ name: 'Envoy: ext_authz server CPU per request, meshguard', value: measurement(en('meshguard').authzCpuUs, 'meshguard CPU behind Envoy'), unit: 'µs', baseline: { name: 'OPA-Envoy, same run', value: measurement(en('opa-envoy').authzCpuUs, 'OPA CPU behind Envoy') } });
  // 3. rate limits
  const mgName = 'meshguard GCRA';
  const rlName = 'ratelimit fixed window';
  const samples = (name: string) => measurement(rl.steady.samples.get(name), `steady samples of ${name}`);
  const steadyWindow = (name: string) => samples(name).filter((s) => s.allowed && s.sent >= STEADY_SKIP_SECONDS * 1000 && s.sent < STEADY_SECONDS * 1000).length;
  const configuredSteady = rl.rate * (STEADY_SECONDS - STEADY_SKIP_SECONDS);
  const mgSteady = steadyWindow(mgName);
  const rlSteady = steadyWindow(rlName);
  const deviation = (n: number) => (Math.abs(n - configuredSteady) / configuredSteady) * 100;
  const allowedTotal = (name: string) => samples(name).filter((s) => s.allowed).length;
  figures.push({ name: `rate limit, 2 replicas, ${OFFERED_PER_SECOND}/s offered: allowed over ${STEADY_SECONDS - STEADY_SKIP_SECONDS} s / configured, meshguard GCRA`, value: mgSteady / configuredSteady, unit: '×', baseline: { name: 'ratelimit fixed window, same run', value: rlSteady / configuredSteady }, note: `${mgSteady} vs ${rlSteady} of ${configuredSteady}` });
  figures.push({ name: 'rate limit: meshguard GCRA deviation from the configured rate (2 replicas)', value: deviation(mgSteady), unit: '%', target: { op: '<=', value: 1 }, note: `ratelimit: ${deviation(rlSteady).toFixed(2)}%` });
  const configuredTotal = rl.burst + rl.rate * STEADY_SECONDS;
  figures.push({ name: `rate limit: allowed over the whole ${STEADY_SECONDS} s from a fresh key / (burst + rate × ${STEADY_SECONDS} s), meshguard GCRA`, value: allowedTotal(mgName) / configuredTotal, unit: '×', note: `${allowedTotal(mgName)} of ${configuredTotal}; ratelimit ${allowedTotal(rlName)} (rate × ${STEADY_SECONDS} s = ${rl.rate * STEADY_SECONDS}, no burst)` });
  figures.push({ name: 'rate limit: most allowed in any 1 s of steady overload, meshguard GCRA', value: maxInWindow(samples(mgName).filter((s) => s.sent >= STEADY_SKIP_SECONDS * 1000), 1000), unit: 'req', baseline: { name: 'ratelimit fixed window, same run', value: maxInWindow(samples(rlName).filter((s) => s.sent >= STEADY_SKIP_SECONDS * 1000), 1000) }, note: `configured ${rl.rate}/s` });
  const edgeOf = (name: string) => measurement(rl.edges.get(name), `edge of ${name}`);
  const mgEdge = edgeOf(mgName);
  const rlEdge = edgeOf(rlName);
  const rlEdgeAllowed = rlEdge.before + rlEdge.after;
  const mgEdgeAllowed = mgEdge.before + mgEdge.after;
  figures.push({ name: `rate limit: fixed window across an edge: allowed in ${rlEdge.spanMs.toFixed(0)} ms / limit per 1 s window`, value: rlEdgeAllowed / rl.rate, unit: '×', note: `${rlEdge.before} + ${rlEdge.after} of 2 × ${EDGE_BURST} sent, limit ${rl.rate}/s` });
  const mgEdgeBound = rl.burst + (rl.rate * mgEdge.spanMs) / 1000;
  figures.push({ name: `rate limit: GCRA across the same edge: allowed in ${mgEdge.spanMs.toFixed(0)} ms / (burst + rate × span)`, value: mgEdgeAllowed / mgEdgeBound, unit: '×', target: { op: '<=', value: 1.01 }, note: `${mgEdge.before} + ${mgEdge.after} of 2 × ${EDGE_BURST} sent; bound ${mgEdgeBound.toFixed(1)}` });
  const mgLat = latencyOf(samples(mgName));
  const freeLat = latencyOf(samples('meshguard, segment without a limit'));
  const rlLat = latencyOf(samples(rlName));
  figures.push({ name: 'rate limit: latency meshguard adds (Check with the Redis GCRA − Check without a limit), p50', value: mgLat.p50 - freeLat.p50, unit: 'ms', baseline: { name: 'ratelimit ShouldRateLimit call (a second call from Envoy), p50', value: rlLat.p50 } });
  figures.push({ name: 'rate limit: latency meshguard adds, p99', value: mgLat.p99 - freeLat.p99, unit: 'ms', baseline: { name: 'ratelimit ShouldRateLimit call, p99', value: rlLat.p99 }, note: `Check with limit p50/p99 ${ms(mgLat.p50)}/${ms(mgLat.p99)} ms, without ${ms(freeLat.p50)}/${ms(freeLat.p99)} ms` });
  // 4. memory
  const opaIdle = measurement(d.idle.get('opa-envoy'), 'OPA idle RSS');
  figures.push({ name: `serve RSS ${IDLE_SETTLE_MS / 1000} s after ready, 500-workload policy, xDS on`, value: mem.big.soon, unit: 'MB', target: { op: '<=', value: RSS_TARGET_MB }, baseline: { name: 'OPA-Envoy idle, same policy as data', value: opaIdle } });
  figures.push({ name: `serve RSS after ${SETTLED_MS / 1000} s idle, 500-workload policy, xDS on`, value: mem.big.settled, unit: 'MB', target: { op: '<=', value: RSS_TARGET_MB }, baseline: { name: 'OPA-Envoy idle, same policy as data', value: opaIdle } });
  figures.push({ name: `serve RSS ${IDLE_SETTLE_MS / 1000} s after ready, 500-workload policy, --xds-port none`, value: measurement(d.idle.get('meshguard'), 'serve idle RSS'), unit: 'MB', target: { op: '<=', value: RSS_TARGET_MB }, baseline: { name: 'bare grpc-js server idle', value: measurement(d.idle.get('bare'), 'bare idle RSS') } });
  figures.push({ name: `serve RSS ${IDLE_SETTLE_MS / 1000} s after ready / after ${SETTLED_MS / 1000} s idle, examples/shop.yaml, xDS on`, value: mem.shop.soon, unit: 'MB', target: { op: '<=', value: RSS_TARGET_MB }, note: `${mem.shop.settled.toFixed(1)} MB settled` });

  const rlRows = [mgName, rlName, 'meshguard, segment without a limit'].map((name) => {
    const s = samples(name);
    const lat = latencyOf(s);
    const edgeRow = rl.edges.get(name);
    return [name, String(s.filter((x) => x.allowed).length), String(s.length), name === 'meshguard, segment without a limit' ? '' : String(steadyWindow(name)), name === 'meshguard, segment without a limit' ? '' : String(maxInWindow(s.filter((x) => x.sent >= STEADY_SKIP_SECONDS * 1000), 1000)), edgeRow ? `${edgeRow.before} + ${edgeRow.after} in ${edgeRow.spanMs.toFixed(0)} ms` : '', ms(lat.p50), ms(lat.p99)];
  });
  const envoyRows = [...e.results.entries()].map(([id, m]) => [id, formatNumber(m.rps), String(m.p50), String(m.p99), m.authzCpuUs === null ? '' : m.authzCpuUs.toFixed(1)]);
  return {
    figures,
    notes: [
      `direct: ${CHANNELS} channels from one forked load generator, closed loop c∈{${CONCURRENCY.join(', ')}} (best kept), then open loop at ${formatNumber(d.rate)}/s (half the slower of meshguard and OPA-Envoy) for all three; ${formatNumber(CORPUS)} mixed CheckRequests of a ${DIRECT_SHAPE.workloads}/${DIRECT_SHAPE.segments}/${DIRECT_SHAPE.egress} policy without rate limits; OPA-Envoy decides with the Rego twin (bench/peers/opa-envoy/policy) on data written from the same compiled policy; serve runs --xds-port none --redis none; 2 shared cores, nothing pinned`,
      table([['server', 'load', 'req/s', 'p50 ms', 'p99 ms', 'srv CPU', 'gen CPU', 'srv µs/call', 'errors', 'codes (sample)'], ...d.rows]),
      `Envoy: ${e.version}, --concurrency 1, mTLS listener, direct response, ext_authz gRPC (0.5 s timeout, body up to 8 KiB) to a meshguard serve child process or to OPA-Envoy; autocannon ${ENVOY_CONNECTIONS} connections × ${ENVOY_SECONDS} s after 2 s warm-up; examples/shop.yaml without its rate limit, GET /api/items from frontend to shop/api (allowed)`,
      table([['Envoy ext_authz', 'req/s', 'p50 ms', 'p99 ms', 'authz µs/req'], ...envoyRows]),
      `rate limits: examples/shop.yaml's ${LIMITED_SEGMENT} (${rl.rate}/s, burst ${rl.burst}); meshguard: 2 serve replicas, GCRA in Redis; envoyproxy/ratelimit: 2 replicas, ${rl.rate} per second fixed window (burst has no equivalent), same Redis; ${OFFERED_PER_SECOND}/s offered to each for ${STEADY_SECONDS} s from a whole second, replicas in turn, one source; the edge: ${EDGE_BURST} calls ${EDGE_BEFORE_MS} ms before a whole second and ${EDGE_BURST} ${EDGE_AFTER_MS} ms after, on a fresh key`,
      table([['limiter', 'allowed', 'sent', `allowed ${STEADY_SKIP_SECONDS}–${STEADY_SECONDS} s`, 'max in 1 s', 'edge', 'p50 ms', 'p99 ms'], ...rlRows]),
    ],
  };
}

async function run(ctx: BenchContext): Promise<BenchReport> {
  requireEnvoy();
  await buildPeers(['opa-envoy', 'ratelimit'], (line) => ctx.log(line));
  const dir = await mkdtemp(join(tmpdir(), 'meshguard-bench-peers-'));
  const res = new Resources();
  try {
    const d = await direct(ctx, dir, res);
    await res.stopAll();
    const e = await throughEnvoy(ctx, dir, res);
    await res.stopAll();
    const rl = await rateLimits(ctx, dir, res);
    await res.stopAll();
    const mem = await idleMemory(ctx, dir, res);
    return report(d, e, rl, mem);
  } finally {
    await res.stopAll();
    await rm(dir, { recursive: true, force: true });
  }
}

export const benchmark: Benchmark = {
  name: 'peers',
  title: 'meshguard beside OPA-Envoy and envoyproxy/ratelimit: direct Check, through Envoy, shared rate limits, idle RSS',
  order: 50,
  run,
};

