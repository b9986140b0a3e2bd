// meshguard's filters in a real Envoy (1.40, V8): requests/s, p50/p99 and Envoy's CPU per request
// (from /proc/<pid>/stat) with (a) no meshguard filter, (b) the no-op wasm filter, each filter alone,
// (c) identity + anomaly, (d) identity + anomaly + ext_authz (meshguard's gRPC server in this
// process), (e) egress — one Envoy each (one worker), all in one run, behind the same mTLS
// listener with a direct response, loaded by autocannon over keep-alive connections on loopback.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { pino } from 'pino';
import { requireEnvoy, envoyVersion } from '../control-plane/envoy/binary.js';
import { loopbackBlock } from '../control-plane/envoy/loopback.js';
import { MeshCa } from '../control-plane/envoy/pki.js';
import { startEnvoy } from '../control-plane/envoy/process.js';
import { filterConfigFor } from '../control-plane/filter-config/filter-config.js';
import { loadCompiledPolicy } from '../control-plane/policy/load.js';
import { authzComponent } from '../control-plane/serve/components/authz.js';
import { stateComponent } from '../control-plane/serve/components/state.js';
import { startMeshguard } from '../control-plane/serve/runtime.js';
import { bootstrap, extAuthzFilter, wasmFilter, type BenchListener } from './envoy/bootstraps.js';
import { table } from './lib/format.js';
import type { Benchmark, BenchContext, BenchReport, Figure } from './lib/types.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WASM = join(REPO, 'build', 'wasm');
const SECONDS = Number(process.env.MESHGUARD_BENCH_ENVOY_SECONDS ?? 10);
const CONNECTIONS = 8;
const FRONTEND = 'spiffe://cluster.local/ns/shop/sa/frontend';

interface Config {
  readonly id: string;
  readonly label: string;
  readonly filters: readonly string[];
  readonly authz: boolean;
  /** shop/api inbound (a request frontend may make) or shop/payments egress (to api.stripe.com:443). */
  readonly egress: boolean;
}

const CONFIGS: readonly Config[] = [
  { id: 'a', label: '(a) no meshguard filter', filters: [], authz: false, egress: false },
  { id: 'b', label: '(b) noop', filters: ['noop'], authz: false, egress: false },
  { id: 'identity', label: 'identity', filters: ['identity'], authz: false, egress: false },
  { id: 'anomaly', label: 'anomaly', filters: ['anomaly'], authz: false, egress: false },
  { id: 'c', label: '(c) identity + anomaly', filters: ['identity', 'anomaly'], authz: false, egress: false },
  { id: 'd', label: '(d) identity + anomaly + ext_authz', filters: ['identity', 'anomaly'], authz: true, egress: false },
  { id: 'e', label: '(e) egress', filters: ['egress'], authz: false, egress: true },
];

interface Measured { readonly rps: number; readonly p50: number; readonly p99: number; readonly cpuUs: number; readonly requests: number }

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

function load(url: string, seconds: number, host: string, tls: { cert: string; key: string; ca: string }): Promise<autocannon.Result> {
  return autocannon({
    url, connections: CONNECTIONS, duration: seconds, headers: { host },
    tlsOptions: { ...tls, rejectUnauthorized: false }, servername: 'localhost',
  } as autocannon.Options);
}

export const benchmark: Benchmark = {
  name: 'envoy',
  title: 'meshguard filters in a real Envoy (V8): throughput, latency, Envoy CPU per request',
  order: 45,
  async run(ctx: BenchContext): Promise<BenchReport> {
    const binary = requireEnvoy();
    const dir = mkdtempSync(join(tmpdir(), 'meshguard-bench-envoy-'));
    const policyFile = join(dir, 'shop.yaml');
    // No rate limit: the benchmark measures allowed requests, not 429s.
    writeFileSync(policyFile, readFileSync(join(REPO, 'examples', 'shop.yaml'), 'utf8').replace(/^\s*rateLimit:.*\n/gm, ''));
    const loaded = await loadCompiledPolicy(policyFile);
    if (!loaded.ok) throw new Error('the benchmark policy does not load');
    const config = (w: string) => JSON.stringify(filterConfigFor(loaded.compiled, loaded.compiled.workloads.get(w)!));
    const ca = new MeshCa(join(dir, 'pki'));
    const server = ca.issue('server', 'spiffe://cluster.local/ns/shop/sa/api');
    const client = ca.client(FRONTEND);
    const caPem = readFileSync(ca.cert, 'utf8');
    const state = stateComponent();
    const meshguard = await startMeshguard({
      policyFile, bind: '127.0.0.1', authzPort: 0, adminPort: 0, xdsPort: 0, redisUrl: null, tls: null, allowLogSample: 0,
      xds: { authzAddress: null, wasmBaseUrl: null, wasmBuildDir: WASM, debounceMs: null },
    }, pino({ level: 'silent' }), [state, authzComponent(state.rateLimits)]);
    const results = new Map<string, Measured>();
    try {
      for (const c of CONFIGS) {
        const block = loopbackBlock();
        const listener: BenchListener = { address: `${block}.2`, port: c.egress ? 443 : 8080, cert: server.cert, key: server.key, ca: server.ca };
        const workload = c.egress ? 'shop/payments' : 'shop/api';
        const filters = c.filters.map((name) => wasmFilter({ name, file: join(WASM, `${name}.wasm`), configuration: name === 'noop' ? '{}' : config(workload) }));
        if (c.authz) filters.push(extAuthzFilter());
        const envoy = await startEnvoy({ binary, bootstrap: bootstrap(listener, filters, { 'meshguard.io/workload': workload }, c.authz ? meshguard.ports.authz! : null) });
        try {
          await envoy.waitForStats((s) => s.get('listener_manager.workers_started') === 1, 60_000);
          const url = `https://${listener.address}:${listener.port}${c.egress ? '/v1/charges' : '/api/items?page=2'}`;
          const host = c.egress ? 'api.stripe.com' : 'api.shop';
          const tls = { ...client, ca: caPem };
          await load(url, 2, host, tls);
          const before = cpuSeconds(envoy.pid);
          const r = await load(url, SECONDS, host, tls);
          const cpu = cpuSeconds(envoy.pid) - before;
          const ok = r['2xx'];
          if (r.non2xx > 0 || r.errors > 0 || ok === 0) throw new Error(`${c.label}: ${r.non2xx} non-2xx answers, ${r.errors} errors of ${r.requests.total}: the benchmark must measure allowed requests`);
          const m: Measured = { rps: ok / r.duration, p50: r.latency.p50, p99: r.latency.p99, cpuUs: (cpu * 1e6) / ok, requests: ok };
          results.set(c.id, m);
          ctx.log(`  ${c.label}: ${m.rps.toFixed(0)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, Envoy CPU ${m.cpuUs.toFixed(1)} µs/request (${ok} requests)`);
        } finally {
          await envoy.stop();
        }
      }
    } finally {
      await meshguard.close();
    }
    return report(results, envoyVersion(binary));
  },
};

function report(r: ReadonlyMap<string, Measured>, version: string): BenchReport {
  const get = (id: string) => {
    const m = r.get(id);
    if (!m) throw new Error(`missing measurement: ${id}`);
    return m;
  };
  const a = get('a');
  const noop = get('b');
  const figures: Figure[] = [];
  for (const c of CONFIGS) {
    const m = get(c.id);
    figures.push({ name: `${c.label}: requests/s`, value: m.rps, unit: 'req/s', ...(c.id === 'a' ? {} : { baseline: { name: '(a) no meshguard filter', value: a.rps } }) });
    figures.push({ name: `${c.label}: Envoy CPU per request`, value: m.cpuUs, unit: 'µs', ...(c.id === 'a' ? {} : { baseline: { name: '(a) no meshguard filter', value: a.cpuUs } }) });
    figures.push({ name: `${c.label}: p50 / p99 latency`, value: m.p50, unit: 'ms', note: `p99 ${m.p99} ms` });
  }
  const above = (id: string) => get(id).cpuUs - noop.cpuUs;
  figures.push({ name: 'identity: Envoy CPU above the no-op filter', value: above('identity'), unit: 'µs', target: { op: '<=', value: 3 } });
  figures.push({ name: 'egress: Envoy CPU above the no-op filter', value: above('e'), unit: 'µs', target: { op: '<=', value: 3 } });
  figures.push({ name: 'anomaly: Envoy CPU above the no-op filter', value: above('anomaly'), unit: 'µs', target: { op: '<=', value: 20 } });
  figures.push({ name: '(d) full inbound chain with ext_authz: throughput / (a)', value: get('d').rps / a.rps, unit: '×', target: { op: '>=', value: 0.5 } });
  const rows = CONFIGS.map((c) => [c.label, get(c.id).rps.toFixed(0), `${get(c.id).p50} / ${get(c.id).p99}`, get(c.id).cpuUs.toFixed(1), (get(c.id).rps / a.rps).toFixed(2)]);
  return {
    figures,
    notes: [
      `Envoy ${version}, --concurrency 1, mTLS listener with a direct response (no upstream), autocannon ${CONNECTIONS} keep-alive connections × ${SECONDS} s after 2 s of warm-up, generator and Envoy on the same two cores; (d)'s ext_authz server runs in the benchmark process.`,
      'CPU per request: utime + stime of the Envoy process over the measured interval (/proc/<pid>/stat), divided by the 2xx answers.',
      table([['configuration', 'req/s', 'p50 / p99 ms', 'Envoy µs/req', '× (a)'], ...rows]),
    ],
  };
}
