// The ext_authz load generator, a child process forked by bench/authz.bench.ts: grpc-js clients on
// several channels send pre-serialized CheckRequests from the corpus, either closed loop (a fixed
// window of calls in flight: maximum throughput) or open loop (a fixed rate whatever the answers:
// latency at a given load). Requests are serialized once up front and answers are not decoded
// (except a sample), so that the generator spends as little CPU as it can on a 2-core machine.
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { authorizationService } from '../../control-plane/envoy-protos.js';
import { generateCorpus, generatePolicyDocument } from '../generate-policy.js';
import { percentileOfSorted, processCpuMs } from '../lib/stats.js';
import type { FromGenerator, RunMessage, RunResult, ToGenerator } from './protocol.js';

const METHOD = '/envoy.service.auth.v3.Authorization/Check';
const CODE_SAMPLE_EVERY = 64;
const raw = (b: Buffer): Buffer => b;
const check = authorizationService().service['Check']!;

let requests: Buffer[] = [];
const clientsByPort = new Map<number, grpc.Client[]>();

function send(message: FromGenerator): void {
  process.send!(message);
}

async function clientsFor(port: number, channels: number): Promise<grpc.Client[]> {
  const existing = clientsByPort.get(port);
  if (existing && existing.length === channels) return existing;
  for (const c of existing ?? []) c.close();
  // A local subchannel pool per client: each client is its own HTTP/2 connection.
  const clients = Array.from({ length: channels }, () => new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }));
  await Promise.all(clients.map((c) => new Promise<void>((resolve, reject) => c.waitForReady(Date.now() + 10_000, (err) => (err ? reject(err) : resolve())))));
  clientsByPort.set(port, clients);
  return clients;
}

function responseCode(buf: Buffer): string {
  const decoded = check.responseDeserialize(buf) as { status?: { code?: number } } | null;
  return String(decoded?.status?.code ?? 0);
}

/** Measurement state of one run: counters are only touched between `open()` and `close()`. */
class Window {
  measuring = false;
  completed = 0;
  errors = 0;
  readonly latencies: number[] = [];
  readonly fromSchedule: number[] = [];
  readonly codes: Record<string, number> = {};
  private startedAt = 0;
  private endedAt = 0;
  private cpu0: NodeJS.CpuUsage = process.cpuUsage();
  private cpu1: NodeJS.CpuUsage = process.cpuUsage();
  private server0: number | null = null;
  private server1: number | null = null;
  private seen = 0;

  constructor(private readonly serverPid: number) {}

  open(): void {
    this.measuring = true;
    this.startedAt = performance.now();
    this.cpu0 = process.cpuUsage();
    this.server0 = processCpuMs(this.serverPid, (p) => readFileSync(p, 'utf8'));
  }

  close(): void {
    this.measuring = false;
    this.endedAt = performance.now();
    this.cpu1 = process.cpuUsage(this.cpu0);
    this.server1 = processCpuMs(this.serverPid, (p) => readFileSync(p, 'utf8'));
  }

  record(err: grpc.ServiceError | null, res: Buffer | undefined, latency: number, fromSchedule: number | null): void {
    if (err || !res) {
      this.errors++;
      return;
    }
    this.completed++;
    this.latencies.push(latency);
    if (fromSchedule !== null) this.fromSchedule.push(fromSchedule);
    if (this.seen++ % CODE_SAMPLE_EVERY === 0) {
      const code = responseCode(res);
      this.codes[code] = (this.codes[code] ?? 0) + 1;
    }
  }

  result(m: RunMessage): RunResult {
    const seconds = (this.endedAt - this.startedAt) / 1000;
    const sorted = Float64Array.from(this.latencies).sort();
    const scheduled = Float64Array.from(this.fromSchedule).sort();
    const serverMs = this.server0 !== null && this.server1 !== null ? this.server1 - this.server0 : null;
    return {
      label: m.label, mode: m.mode, concurrency: m.concurrency, rate: m.rate,
      completed: this.completed, errors: this.errors, seconds, throughput: this.completed / seconds,
      p50: percentileOfSorted(sorted, 50), p90: percentileOfSorted(sorted, 90), p99: percentileOfSorted(sorted, 99), max: sorted[sorted.length - 1] ?? NaN,
      p99FromSchedule: m.mode === 'open' ? percentileOfSorted(scheduled, 99) : null,
      serverCpu: serverMs === null ? null : serverMs / 1000 / seconds,
      generatorCpu: (this.cpu1.user + this.cpu1.system) / 1e6 / seconds,
      serverCpuPerCallUs: serverMs === null || this.completed === 0 ? null : (serverMs * 1000) / this.completed,
      responseCodes: this.codes,
    };
  }
}

function run(m: RunMessage, clients: readonly grpc.Client[]): Promise<RunResult> {
  const w = new Window(m.serverPid);
  const start = performance.now();
  const end = start + m.warmupMs + m.durationMs;
  let next = 0;
  let inFlight = 0;
  let stopped = false;
  return new Promise((resolve) => {
    const finish = () => resolve(w.result(m));
    const call = (due: number | null) => {
      const i = next++;
      const t0 = performance.now();
      inFlight++;
      clients[i % clients.length]!.makeUnaryRequest(METHOD, raw, raw, requests[i % requests.length]!, (err, res) => {
        inFlight--;
        const t1 = performance.now();
        if (w.measuring) w.record(err, res, t1 - t0, due === null ? null : t1 - due);
        if (!stopped && m.mode === 'closed') call(null);
        else if (stopped && inFlight === 0) finish();
      });
    };
    setTimeout(() => w.open(), m.warmupMs);
    setTimeout(() => {
      w.close();
      stopped = true;
      if (inFlight === 0) finish();
    }, m.warmupMs + m.durationMs);
    if (m.mode === 'closed') {
      for (let i = 0; i < m.concurrency; i++) call(null);
      return;
    }
    // Open loop: every millisecond or so, make the calls that have come due since the last tick.
    const interval = 1000 / m.rate;
    let made = 0;
    const tick = () => {
      const now = performance.now();
      if (stopped || now >= end) return;
      const due = Math.floor((now - start) / interval) + 1;
      for (; made < due; made++) call(start + made * interval);
      setTimeout(tick, 1);
    };
    tick();
  });
}

async function handle(message: ToGenerator): Promise<void> {
  switch (message.type) {
    case 'prepare': {
      const policy = generatePolicyDocument(message.shape);
      requests = generateCorpus(policy, { count: message.corpusSize, seed: message.seed }).map((e) => check.requestSerialize(e.request));
      send({ type: 'ready', requests: requests.length });
      return;
    }
    case 'run': {
      const clients = await clientsFor(message.port, message.channels);
      send({ type: 'result', result: await run(message, clients) });
      return;
    }
    case 'stop':
      for (const clients of clientsByPort.values()) for (const c of clients) c.close();
      process.disconnect?.();
      return;
  }
}

process.on('message', (message: ToGenerator) => {
  handle(message).catch((err: unknown) => send({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
});
