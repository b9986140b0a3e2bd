// Shared state in Redis: rate-limited Check throughput and latency with the Redis store against
// the in-process store in the same run, the learner's throughput (records per second), and Checks
// through `serve` while its Redis is stalled (bench/redis/stall.ts).
import { randomUUID } from 'node:crypto';
import { Authorizer } from '../control-plane/authorizer/authorizer.js';
import { LocalRateLimitStore, type RateLimitStore } from '../control-plane/authorizer/rate-limit.js';
import type { CheckInput } from '../control-plane/engine/request.js';
import { compilePolicy } from '../control-plane/policy/compile.js';
import { parsePolicy } from '../control-plane/policy/load.js';
import { RedisRateLimitStore } from '../control-plane/state/rate-limit-redis.js';
import { connectRedis, DEFAULT_REDIS_URL } from '../control-plane/state/redis.js';
import { OnlineLearner } from '../control-plane/telemetry/learner.js';
import { recordOf, type TelemetryRecord } from '../control-plane/telemetry/records.js';
import { MemoryStatsStore, RedisStatsStore, type StatsStore } from '../control-plane/telemetry/stats-store.js';
import { percentile } from './lib/stats.js';
import { HEALTHY_MS, STALL_MS, STALL_RATE, stallRun } from './redis/stall.js';
import type { Benchmark, BenchContext, BenchReport, Figure } from './lib/types.js';

const CONCURRENCY = 64;
const WINDOW_MS = 3000;
const SOURCES = 500;
const RECORDS = 20_000;

const POLICY = `apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: bench-redis-${randomUUID().slice(0, 8)} }
spec:
  workloads:
    - { name: api, namespace: shop, serviceAccount: api, labels: { app: api } }
  segments:
    - name: callers-to-api
      to: { matchLabels: { app: api } }
      from: [{ namespace: callers }]
      rules: [{ methods: [GET], paths: ["/api/*"] }]
      rateLimit: { requestsPerSecond: 100000, burst: 100000 }
`;

function inputs(): CheckInput[] {
  return Array.from({ length: SOURCES }, (_, i) => ({
    source: { principal: `spiffe://cluster.local/ns/callers/sa/c${i}`, address: '10.0.0.1', port: 40000 },
    destination: { principal: '', address: '10.0.0.2', port: 8080 },
    http: { method: 'GET', path: `/api/items/${i}`, host: 'api', scheme: 'http', headers: {}, body: '' },
    sni: '',
    contextExtensions: { 'meshguard.io/workload': 'shop/api' },
  }));
}

interface LoadResult { perSecond: number; p50Ms: number; p99Ms: number; errors: number }

/** `CONCURRENCY` async callers checking rate-limited requests for `WINDOW_MS`. */
async function load(authorizer: Authorizer, requests: readonly CheckInput[]): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let n = 0;
  const end = performance.now() + WINDOW_MS;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async (_, worker) => {
    let i = worker;
    while (performance.now() < end) {
      const t = performance.now();
      try {
        const r = await authorizer.check(requests[i++ % requests.length]!);
        if (r.status !== 200) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t);
      n++;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: n / seconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), errors };
}

const OPEN_LOOP_RATE = 5000;

/** Checks issued at a fixed rate (open loop), so latency is the store's, not a queue's. */
async function openLoop(authorizer: Authorizer, requests: readonly CheckInput[]): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const interval = 1000 / OPEN_LOOP_RATE;
  const start = performance.now();
  const total = Math.round((OPEN_LOOP_RATE * WINDOW_MS) / 1000);
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const t = performance.now();
    pending.push(Promise.resolve(authorizer.check(requests[i % requests.length]!)).then(
      (r) => { latencies.push(performance.now() - t); if (r.status !== 200) errors++; },
      () => { errors++; },
    ));
  }
  await Promise.all(pending);
  return { perSecond: total / ((performance.now() - start) / 1000), p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), errors };
}

function records(): TelemetryRecord[] {
  const out: TelemetryRecord[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const http = { method: 'GET', path: `/api/items/${i % 997}?page=${i % 13}&q=shoes+${i % 7}`, host: '', scheme: '', headers: { 'user-agent': 'bench' }, body: '' };
    out.push(recordOf(http, `shop/w${i % 20}`, 'spiffe://cluster.local/ns/callers/sa/c1', true, 200, 0, Date.now()));
  }
  return out;
}

async function learnerRate(store: StatsStore, recs: readonly TelemetryRecord[]): Promise<{ perSecond: number; buildMs: number }> {
  const learner = new OnlineLearner(store, () => ({ learning: { minRequests: 100, monitorForSeconds: 60, maxAlertRatio: 0.01 }, threshold: 10 }), () => null);
  const t = performance.now();
  for (let i = 0; i < recs.length; i++) {
    learner.observe(recs[i]!);
    if (i % 2000 === 1999) await learner.flush();
  }
  await learner.flush();
  const perSecond = recs.length / ((performance.now() - t) / 1000);
  const b = performance.now();
  await learner.build(true);
  return { perSecond, buildMs: performance.now() - b };
}

async function run(ctx: BenchContext): Promise<BenchReport> {
  const loaded = parsePolicy(POLICY, 'bench-redis.yaml');
  if (!loaded.ok) throw new Error('the benchmark policy is invalid');
  const policy = compilePolicy(loaded.policy, loaded.origin);
  const requests = inputs();
  const redis = connectRedis(process.env.REDIS_URL ?? DEFAULT_REDIS_URL, 'meshguard-bench');
  await redis.connect();
  const prefix = `mg:bench:${randomUUID()}:`;
  try {
    const stores: [string, RateLimitStore][] = [
      ['in-process', new LocalRateLimitStore()],
      ['redis', new RedisRateLimitStore(redis, new LocalRateLimitStore(), prefix, { onDegraded: () => undefined, onFallback: () => undefined })],
    ];
    const results = new Map<string, LoadResult>();
    const paced = new Map<string, LoadResult>();
    for (const [name, store] of stores) {
      await load(new Authorizer(policy, store), requests.slice(0, 50));
      const r = await load(new Authorizer(policy, store), requests);
      results.set(name, r);
      const o = await openLoop(new Authorizer(policy, store), requests);
      paced.set(name, o);
      ctx.log(`  ${name.padEnd(10)} saturated: ${Math.round(r.perSecond).toLocaleString('en-US')} checks/s (p99 ${r.p99Ms.toFixed(3)} ms); at ${OPEN_LOOP_RATE.toLocaleString('en-US')}/s: p50 ${o.p50Ms.toFixed(3)} ms, p99 ${o.p99Ms.toFixed(3)} ms; errors ${r.errors + o.errors}`);
    }
    const local = results.get('in-process')!;
    const shared = results.get('redis')!;
    const localPaced = paced.get('in-process')!;
    const sharedPaced = paced.get('redis')!;
    const recs = records();
    const inMemory = await learnerRate(new MemoryStatsStore(), recs);
    const inRedis = await learnerRate(new RedisStatsStore(redis, prefix), recs);
    ctx.log(`  learner: in memory ${Math.round(inMemory.perSecond).toLocaleString('en-US')} records/s (build ${inMemory.buildMs.toFixed(0)} ms), Redis ${Math.round(inRedis.perSecond).toLocaleString('en-US')} records/s (build ${inRedis.buildMs.toFixed(0)} ms)`);
    const stall = await stallRun();
    ctx.log(`  stall: ${STALL_RATE} Checks/s over gRPC; healthy p99 ${stall.healthy.p99Ms.toFixed(1)} ms; during a ${STALL_MS / 1000} s SIGSTOP ${stall.stalled.answered}/${stall.stalled.sent} answered (errors ${stall.stalled.errors}), p50 ${stall.stalled.p50Ms.toFixed(1)} ms, p99 ${stall.stalled.p99Ms.toFixed(1)} ms, max ${stall.stalled.maxMs.toFixed(1)} ms; ready ${stall.readyAfterMs.toFixed(0)} ms after SIGCONT`);
    const figures: Figure[] = [
      { name: `Checks answered during a ${STALL_MS / 1000} s Redis stall (SIGSTOP) at ${STALL_RATE}/s`, value: stall.stalled.answered, unit: 'checks', baseline: { name: 'Checks sent', value: stall.stalled.sent }, target: { op: '>=', value: stall.stalled.sent } },
      { name: `p99 per rate-limited Check during the stall`, value: Number(stall.stalled.p99Ms.toFixed(1)), unit: 'ms', target: { op: '<=', value: 300 }, baseline: { name: `p99 with Redis answering (${HEALTHY_MS / 1000} s before)`, value: Number(stall.healthy.p99Ms.toFixed(1)) } },
      { name: 'slowest Check during the stall', value: Number(stall.stalled.maxMs.toFixed(1)), unit: 'ms', note: 'the Checks in flight when Redis stopped answering wait out one command timeout (250 ms)' },
      { name: 'readiness back after SIGCONT', value: Number(stall.readyAfterMs.toFixed(0)), unit: 'ms', target: { op: '<=', value: 2000 }, note: 'a background PING every 500 ms closes the breaker' },
      { name: 'rate-limited checks/s, Redis store', value: Math.round(shared.perSecond), unit: '/s', baseline: { name: 'in-process store, same run', value: Math.round(local.perSecond) } },
      { name: 'rate-limited checks/s, in-process store', value: Math.round(local.perSecond), unit: '/s' },
      { name: `p99 per check at ${OPEN_LOOP_RATE}/s, Redis store`, value: Number(sharedPaced.p99Ms.toFixed(3)), unit: 'ms', baseline: { name: 'in-process store p99', value: Number(localPaced.p99Ms.toFixed(3)) } },
      { name: `added p99 latency at ${OPEN_LOOP_RATE}/s (Redis − in-process)`, value: Number((sharedPaced.p99Ms - localPaced.p99Ms).toFixed(3)), unit: 'ms', target: { op: '<=', value: 1 } },
      { name: 'p99 per check at saturation, Redis store', value: Number(shared.p99Ms.toFixed(3)), unit: 'ms', note: `${CONCURRENCY} callers in a closed loop: mostly queueing` },
      { name: 'learner records/s, shared statistics in Redis', value: Math.round(inRedis.perSecond), unit: '/s', baseline: { name: 'statistics in memory', value: Math.round(inMemory.perSecond) } },
      { name: 'model build from Redis statistics', value: Number(inRedis.buildMs.toFixed(1)), unit: 'ms' },
    ];
    return {
      figures,
      notes: [
        `${CONCURRENCY} concurrent callers for ${WINDOW_MS} ms over ${SOURCES} source identities (one GCRA key each); the Redis store runs one Lua script per check, auto-pipelined (ioredis); Redis at ${process.env.REDIS_URL ?? DEFAULT_REDIS_URL} on the same 2 cores`,
        `learner: ${RECORDS.toLocaleString('en-US')} records over 20 workloads and ~1,000 routes, flushed every 2,000 records; then one model build`,
        'anchors: envoyproxy/ratelimit does one pipelined INCRBY + EXPIRE per request; redis-cell GCRA takes about 0.1 ms per call',
        `stall: meshguard serve with --redis on a private redis-server, ${STALL_RATE} rate-limited Checks/s over gRPC (open loop, 5 s deadline); ${HEALTHY_MS / 1000} s healthy, SIGSTOP for ${STALL_MS / 1000} s, SIGCONT; readiness polled on /readyz`,
      ],
    };
  } finally {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
}

export const benchmark: Benchmark = { name: 'redis', title: 'Redis: rate-limited checks against the in-process store, learner throughput, a stalled Redis', order: 35, run };
