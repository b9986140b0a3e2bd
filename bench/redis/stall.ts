// The Redis-stall phase of the redis benchmark (issue 12, item 9): `meshguard serve` with its
// rate limits in a private redis-server, 40 rate-limited Checks a second over gRPC (open loop),
// 2 s healthy, then SIGSTOP for 6 s, then SIGCONT. Every Check must be answered, p99 during the
// stall under 300 ms (Envoy's ext_authz timeout in meshguard's config is 500 ms), and readiness
// must come back after SIGCONT without a reconnect.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { authorizationService } from '../../control-plane/envoy-protos.js';
import { packagePath } from '../../control-plane/package-root.js';
import { startServer, type ServerProcess } from '../authz/processes.js';
import { startRedisServer, type RedisServer } from '../lib/redis-server.js';
import { percentile } from '../lib/stats.js';

export const STALL_RATE = 40;
export const HEALTHY_MS = 2000;
export const STALL_MS = 6000;

const POLICY = `apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: bench-stall }
spec:
  workloads:
    - { name: api, namespace: shop, serviceAccount: api, labels: { app: api } }
    - { name: web, namespace: shop, serviceAccount: web, labels: { app: web } }
  segments:
    - { name: web-to-api, to: { matchLabels: { app: api } }, from: [{ matchLabels: { app: web } }], rateLimit: { requestsPerSecond: 100000, burst: 100000 } }
`;

const REQUEST = {
  attributes: {
    source: { principal: 'spiffe://cluster.local/ns/shop/sa/web' },
    request: { http: { method: 'GET', path: '/api/items', headers: {} } },
    contextExtensions: { 'meshguard.io/workload': 'shop/api' },
  },
};

type CheckClient = grpc.Client & { Check(r: unknown, o: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: { status: { code: number } }) => void): void };

export interface StallPhase {
  readonly sent: number;
  readonly answered: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface StallResult {
  readonly healthy: StallPhase;
  readonly stalled: StallPhase;
  /** From SIGCONT to /readyz answering "ready" again. */
  readonly readyAfterMs: number;
}

/** Open loop: STALL_RATE Checks a second for `ms`, each answered or failed (5 s deadline). */
async function phase(client: CheckClient, ms: number): Promise<StallPhase> {
  const latencies: number[] = [];
  let answered = 0;
  let errors = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  const total = Math.round((STALL_RATE * ms) / 1000);
  for (let i = 0; i < total; i++) {
    const wait = start + (i * 1000) / STALL_RATE - performance.now();
    if (wait > 1) await sleep(wait);
    const t = performance.now();
    pending.push(new Promise<void>((resolve) => client.Check(REQUEST, { deadline: Date.now() + 5000 }, (err, res) => {
      latencies.push(performance.now() - t);
      if (err || res.status.code !== 0) errors++;
      else answered++;
      resolve();
    })));
  }
  await Promise.all(pending);
  return { sent: total, answered, errors, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), maxMs: Math.max(...latencies) };
}

async function readyAfter(adminPort: number, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    const body = await fetch(`http://127.0.0.1:${adminPort}/readyz`).then((r) => r.text(), () => '');
    if (body === 'ready\n') return performance.now() - start;
    await sleep(20);
  }
  return Number.POSITIVE_INFINITY;
}

export async function stallRun(): Promise<StallResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mg-bench-stall-'));
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, POLICY);
  let redis: RedisServer | null = null;
  let serve: ServerProcess | null = null;
  let client: CheckClient | null = null;
  try {
    redis = await startRedisServer();
    serve = await startServer([packagePath('bin', 'meshguard'), 'serve', '--policy', file, '--redis', redis.url, '--bind', '127.0.0.1',
      '--authz-port', '0', '--admin-port', '0', '--xds-port', '0', '--log-allow-sample', '0'], join(dir, 'serve.log'));
    const Service = authorizationService();
    client = new Service(`127.0.0.1:${serve.ports.authz}`, grpc.credentials.createInsecure()) as unknown as CheckClient;
    if ((await readyAfter(serve.ports.admin!, 10_000)) === Number.POSITIVE_INFINITY) throw new Error('serve never became ready with its Redis');
    await phase(client, 500);
    const healthy = await phase(client, HEALTHY_MS);
    redis.pause();
    const stalled = await phase(client, STALL_MS);
    redis.resume();
    const readyAfterMs = await readyAfter(serve.ports.admin!, 30_000);
    return { healthy, stalled, readyAfterMs };
  } finally {
    client?.close();
    await serve?.stop();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
