// xDS benchmark, every figure from one run: `meshguard serve` (child process, plaintext xDS) on a
// generated 2,000-workload, 10,000-segment policy, serving 1,000 nodes: XDS_BENCH_ENVOYS real
// Envoy sidecars (default 20; bootstraps from `meshguard render envoy`, half SotW, half delta ADS)
// and simulated sidecars for the rest (bench/xds-clients.ts, one process, half SotW, half delta).
// For several policy edits (one segment's rule each), the time from writing the file until every
// node has ACKed everything the edit changed, read from serve's /xds/nodes (server-side ACK times),
// and serve's peak RSS.
//
// Then the same fan-out from go-control-plane (bench/peers/go-control-plane, its snapshot cache):
// after each edit `meshguard render xds-snapshot` exported the snapshots meshguard computed for the
// same 1,000 nodes; go-control-plane takes serve's port (the Envoys reconnect to it), serves the
// first export, and for each later one the time from SetSnapshot until every node has ACKed the
// types that changed, and its peak RSS.
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { requireEnvoy } from '../control-plane/envoy/binary.js';
import { MeshCa } from '../control-plane/envoy/pki.js';
import { startEnvoy, type EnvoyProcess } from '../control-plane/envoy/process.js';
import { compilePolicy } from '../control-plane/policy/compile.js';
import type { CompiledPolicy } from '../control-plane/policy/compiled.js';
import { parsePolicy } from '../control-plane/policy/load.js';
import { envoyBootstrap, type EnvoyBootstrapOptions } from '../control-plane/xds/bootstrap.js';
import { renderBootstrapYaml } from '../control-plane/xds/bootstrap-yaml.js';
import { shortName } from '../control-plane/xds/type-urls.js';
import { memoryOf, startServer, type ServerProcess } from './authz/processes.js';
import { generatePolicyDocument, policyYaml, type PolicyDocument } from './generate-policy.js';
import { freePort } from './lib/net.js';
import { measurement, median, percentile, processCpuMs } from './lib/stats.js';
import type { Benchmark, BenchContext, BenchReport, Figure } from './lib/types.js';
import { buildPeers } from './peers/binaries.js';
import { GoControlPlane, type GoAcks } from './peers/go-control-plane.js';
import type { FromClients, ToClients } from './xds-clients.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');
const MESHGUARD = join(REPO, 'bin', 'meshguard');
const CLIENTS = join(HERE, 'xds-clients.js');
const WASM_DIR = join(REPO, 'build', 'wasm');
const ECDS = ['meshguard.identity', 'meshguard.anomaly', 'meshguard.egress'];

const SHAPE = { workloads: 2000, segments: 10_000, egress: 200 };
function setting(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, not ${raw}`);
  return n;
}
/** All nodes (real and simulated). */
const NODES = setting('XDS_BENCH_NODES', 1000, 2);
/** Real Envoy processes among them (as many as the machine holds; 20 on 2 busy cores). */
const ENVOYS = Math.min(setting('XDS_BENCH_ENVOYS', 20, 1), NODES - 1);
const EDITS = setting('XDS_BENCH_EDITS', 8, 2);
const TIMEOUT_MS = 180_000;

const run$ = promisify(execFile);

class Clients {
  private pending: { resolve: (m: FromClients) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;

  constructor(readonly child: ChildProcess) {
    child.on('message', (m: FromClients) => {
      const p = this.pending;
      if (m.type === 'error') {
        this.failure ??= new Error(`xds clients: ${m.message}`);
        this.pending = null;
        p?.reject(this.failure);
        return;
      }
      this.pending = null;
      p?.resolve(m);
    });
    child.on('exit', (code) => this.pending?.reject(new Error(`xds clients exited with ${code}`)));
  }

  static start(): Clients {
    return new Clients(fork(CLIENTS, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  ask(message: ToClients): Promise<FromClients> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.child.send(message);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ type: 'stop' } satisfies ToClients);
    await Promise.race([exited, sleep(3000).then(() => void this.child.kill('SIGKILL'))]);
  }
}

function timed<T>(fn: () => T): [T, number] {
  const start = performance.now();
  const value = fn();
  return [value, performance.now() - start];
}

/** Edit k: segment k's first rule gains a path (or the segment gains a rule). */
function edited(doc: PolicyDocument, k: number): PolicyDocument {
  const segments = doc.spec.segments.map((s, i) => {
    if (i !== k) return s;
    const rules = s.rules.length > 0 ? s.rules : [{}];
    const [first, ...rest] = rules;
    return { ...s, rules: [{ ...first, paths: [...(first!.paths ?? ['/']), `/bench-edit-${k}/*`] }, ...rest] };
  });
  return { ...doc, spec: { ...doc.spec, segments } };
}

/** The first log line of `event` at or after `after` (ms since the epoch), from serve's log file. */
function logged(server: ServerProcess, event: string, after: number): Record<string, unknown> | null {
  for (const line of readFileSync(server.logFile, 'utf8').split('\n')) {
    if (!line.includes(`"${event}"`)) continue;
    const parsed = JSON.parse(line) as Record<string, unknown>;
    if (Date.parse(parsed.time as string) >= after) return parsed;
  }
  return null;
}

const cpuSeconds = (pid: number) => processCpuMs(pid, (p) => readFileSync(p, 'utf8'))! / 1000;

// ---- real Envoys ----------------------------------------------------------------------------

interface RealEnvoy {
  readonly id: string;
  readonly workload: string;
  readonly node: Record<string, unknown>;
  readonly process: EnvoyProcess;
}

function envoyConfigured(s: Map<string, number>): boolean {
  return s.get('control_plane.connected_state') === 1
    && (s.get('cluster_manager.cds.update_success') ?? 0) >= 1
    && (s.get('listener_manager.lds.update_success') ?? 0) >= 1
    && ECDS.every((n) => (s.get(`extension_config_discovery.http_filter.${n}.config_reload`) ?? 0) >= 1)
    && s.get('listener_manager.total_listeners_warming') === 0
    && s.get('cluster_manager.warming_clusters') === 0;
}

function rejected(s: Map<string, number>): string[] {
  return [...s].filter(([k, v]) => /update_rejected$|config_fail$/.test(k) && v > 0).map(([k, v]) => `${k}=${v}`);
}

async function startEnvoys(ctx: BenchContext, policy: CompiledPolicy, keys: readonly string[], xdsPort: number, pki: MeshCa): Promise<RealEnvoy[]> {
  const binary = requireEnvoy();
  const out: RealEnvoy[] = [];
  const started: Promise<void>[] = [];
  for (const [i, key] of keys.entries()) {
    const workload = policy.workloads.get(key)!;
    const certs = pki.issue(`envoy-${i}`, workload.identity);
    const o: EnvoyBootstrapOptions = {
      workload, xdsAddress: { host: '127.0.0.1', port: xdsPort }, delta: i % 2 === 1, adminPort: 0, wasmDir: WASM_DIR, certDir: certs.dir,
      authzAddress: null, tls: false, listenAddress: '127.0.0.1', inboundPort: await freePort(), outboundPort: await freePort(),
    };
    const node = envoyBootstrap(o).node as Record<string, unknown>;
    const yaml = renderBootstrapYaml(o, `meshguard render envoy --workload ${key}${o.delta ? ' --delta' : ''} (bench/xds.bench.ts)`);
    started.push(startEnvoy({ binary, bootstrap: yaml, concurrency: 1, logLevel: 'warning', startTimeoutMs: 120_000 }).then((p) => {
      out.push({ id: String(node.id), workload: key, node, process: p });
    }));
    // A few at a time: each compiles three wasm modules when its ECDS configs arrive.
    if (started.length % 5 === 0) await Promise.all(started);
  }
  await Promise.all(started);
  ctx.log(`${out.length} Envoys started`);
  return out;
}

async function waitEnvoys(envoys: readonly RealEnvoy[], what: string): Promise<void> {
  await Promise.all(envoys.map(async (e) => {
    const s = await e.process.waitForStats(envoyConfigured, TIMEOUT_MS).catch((err: Error) => { throw new Error(`${what}: Envoy ${e.id}: ${err.message.slice(0, 300)}`); });
    const bad = rejected(s);
    if (bad.length > 0) throw new Error(`${what}: Envoy ${e.id} rejected configuration: ${bad.join(' ')}\n${e.process.logs().slice(-2000)}`);
  }));
}

// ---- meshguard: server-side ACKs from /xds/nodes ------------------------------------------------

interface NodeDoc {
  id: string;
  types: Record<string, { sent: string | null; acked: string | null; ackedAt: number | null; nacks: number }>;
}

async function xdsNodes(adminPort: number): Promise<NodeDoc[]> {
  const res = await fetch(`http://127.0.0.1:${adminPort}/xds/nodes`);
  return ((await res.json()) as { nodes: NodeDoc[] }).nodes;
}

/**
 * When every node holds everything the edit at `at` changed: all types ACKed as sent, the ECDS
 * configs (which every edit changes) ACKed after `at`. Returns the last such ACK per node, or null.
 */
function meshguardConverged(nodes: readonly NodeDoc[], ids: ReadonlySet<string>, at: number): Map<string, number> | null {
  const seen = nodes.filter((n) => ids.has(n.id));
  if (seen.length !== ids.size) return null;
  const out = new Map<string, number>();
  for (const n of seen) {
    const types = Object.values(n.types);
    if (types.some((t) => t.nacks > 0)) throw new Error(`node ${n.id} NACKed: ${JSON.stringify(n.types)}`);
    if (types.some((t) => t.acked === null || t.acked !== t.sent)) return null;
    if ((n.types.ECDS?.ackedAt ?? 0) < at) return null;
    out.set(n.id, Math.max(...types.map((t) => t.ackedAt ?? 0).filter((a) => a >= at)));
  }
  return out;
}

async function waitMeshguard(adminPort: number, ids: ReadonlySet<string>, at: number, what: string): Promise<Map<string, number>> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const done = meshguardConverged(await xdsNodes(adminPort), ids, at);
    if (done) return done;
    if (Date.now() > deadline) throw new Error(`${what}: not every node ACKed within ${TIMEOUT_MS} ms`);
    await sleep(250);
  }
}

// ---- go-control-plane: server-side ACKs from the peer's tracker ------------------------------

/** Per node id: the version of each type in the snapshot meshguard exported for it. */
type TypeVersions = Map<string, Record<string, string>>;

function typeVersionsOf(file: string): TypeVersions {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { snapshots: { nodes: string[]; typeVersions: Record<string, string>; resources: Record<string, number[]> }[] };
  const out: TypeVersions = new Map();
  for (const s of doc.snapshots) {
    // Types with no resource are never sent (nothing subscribes to them).
    const present = Object.fromEntries(Object.entries(s.typeVersions).filter(([t]) => (s.resources[t]?.length ?? 0) > 0));
    for (const id of s.nodes) out.set(id, present);
  }
  return out;
}

/** Per node, the types whose content differs between two exports (all types when there is no previous one). */
function changedTypes(previous: TypeVersions | null, next: TypeVersions): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [id, versions] of next) {
    const before = previous?.get(id);
    out.set(id, Object.keys(versions).filter((t) => before?.[t] !== versions[t]));
  }
  return out;
}

function goConverged(acks: GoAcks, expected: ReadonlyMap<string, string[]>, at: number): Map<string, number> | null {
  const out = new Map<string, number>();
  for (const [id, types] of expected) {
    let last = 0;
    for (const t of types) {
      const a = acks[id]?.[t];
      if (!a || a.at < at) return null;
      last = Math.max(last, a.at);
    }
    out.set(id, last);
  }
  return out;
}

async function waitGo(go: GoControlPlane, expected: ReadonlyMap<string, string[]>, at: number, what: string): Promise<Map<string, number>> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const report = await go.ask({ cmd: 'acks' });
    if (report.event !== 'acks') throw new Error(`go-control-plane: ${JSON.stringify(report)}`);
    if (report.nacks > 0) throw new Error(`go-control-plane: ${report.nacks} NACKs`);
    const done = goConverged(report.nodes, expected, at);
    if (done) return done;
    if (Date.now() > deadline) {
      const missing = [...expected].filter(([id, types]) => types.some((t) => (report.nodes[id]?.[t]?.at ?? 0) < at));
      throw new Error(`${what}: ${missing.length} nodes not ACKed within ${TIMEOUT_MS} ms (e.g. ${JSON.stringify(missing.slice(0, 3))})`);
    }
    await sleep(250);
  }
}

// ---- the run -------------------------------------------------------------------------------

interface Phase {
  /** From the edit (meshguard) or SetSnapshot (go-control-plane) until all nodes ACKed, per edit. */
  readonly all: number[];
  /** The same for the real Envoys only. */
  readonly envoys: number[];
  /** meshguard: from the xDS push start (after load, compile, debounce) until all ACKed. */
  readonly fanOut: number[];
  readonly cpu: number[];
}

const latest = (m: ReadonlyMap<string, number>, ids?: Iterable<string>) => Math.max(...(ids ? [...ids].map((id) => m.get(id)!) : [...m.values()]));

async function exportSnapshots(file: string, nodesFile: string, out: string): Promise<number> {
  const start = performance.now();
  await run$(process.execPath, [MESHGUARD, 'render', 'xds-snapshot', '--policy', file, '--nodes', nodesFile, '--out', out], { maxBuffer: 16 << 20 });
  return performance.now() - start;
}

async function run(ctx: BenchContext): Promise<BenchReport> {
  await buildPeers(['go-control-plane'], ctx.log);
  const doc = generatePolicyDocument(SHAPE);
  const yaml = policyYaml(doc);
  const [loaded, parseMs] = timed(() => parsePolicy(yaml, 'bench.yaml'));
  if (!loaded.ok) throw new Error('generated policy is invalid');
  const compileMs = Math.min(...[0, 1, 2].map(() => timed(() => compilePolicy(loaded.policy, loaded.origin))[1]));
  const compiled = compilePolicy(loaded.policy, loaded.origin);
  ctx.log(`policy: ${SHAPE.workloads} workloads, ${SHAPE.segments} segments (${(yaml.length / 1e6).toFixed(1)} MB of YAML): load ${parseMs.toFixed(0)} ms, compile ${compileMs.toFixed(0)} ms`);

  const dir = await mkdtemp(join(tmpdir(), 'mg-xds-bench-'));
  const file = join(dir, 'policy.yaml');
  const nodesFile = join(dir, 'nodes.json');
  const exportFile = (k: number) => join(dir, `snapshots-${k}.json`);
  await writeFile(file, yaml);
  const keys = doc.spec.workloads.slice(0, NODES).map((w) => `${w.namespace}/${w.name}`);
  let server: ServerProcess | null = null;
  let clients: Clients | null = null;
  let envoys: RealEnvoy[] = [];
  let go: GoControlPlane | null = null;
  try {
    server = await startServer([MESHGUARD, 'serve', '--policy', file, '--bind', '127.0.0.1', '--xds-port', '0', '--authz-port', '0', '--admin-port', '0', '--redis', 'none'], join(dir, 'serve.log'), 60_000);
    const xdsPort = server.ports.xds!;
    const adminPort = server.ports.admin!;

    // ---- meshguard: 1,000 nodes, ENVOYS of them real ----
    const cpuStart = cpuSeconds(server.pid);
    const started = Date.now();
    envoys = await startEnvoys(ctx, compiled, keys.slice(0, ENVOYS), xdsPort, new MeshCa(join(dir, 'pki')));
    const sims = keys.slice(ENVOYS).map((k, i) => ({ id: `sidecar-${i}`, workload: k, delta: i % 2 === 1 }));
    const nodeList = [
      ...envoys.map((e) => ({ id: e.id, user_agent_name: 'envoy', metadata: e.node.metadata })),
      ...sims.map((s) => ({ id: s.id, user_agent_name: 'envoy', metadata: { 'meshguard.io/workload': s.workload } })),
    ];
    await writeFile(nodesFile, JSON.stringify(nodeList));
    const ids = new Set(nodeList.map((n) => n.id));
    const envoyIds = envoys.map((e) => e.id);
    clients = Clients.start();
    const ready = await clients.ask({ type: 'start', address: `127.0.0.1:${xdsPort}`, nodes: sims });
    if (ready.type !== 'ready') throw new Error(`unexpected ${ready.type}`);
    await waitEnvoys(envoys, 'meshguard, first configuration');
    await waitMeshguard(adminPort, ids, 0, 'meshguard, first configuration');
    const readyMs = Date.now() - started;
    ctx.log(`meshguard: ${ids.size} nodes (${envoys.length} Envoys) configured in ${(readyMs / 1000).toFixed(1)} s (serve CPU ${(cpuSeconds(server.pid) - cpuStart).toFixed(1)} s); serve RSS ${memoryOf(server.pid).rssMb?.toFixed(0)} MB`);
    ctx.log(`export 0: ${(await exportSnapshots(file, nodesFile, exportFile(0))).toFixed(0)} ms`);

    const mg: Phase = { all: [], envoys: [], fanOut: [], cpu: [] };
    for (let k = 1; k <= EDITS; k++) {
      const next = policyYaml(edited(doc, k * 97));
      await sleep(300);
      const cpuBefore = cpuSeconds(server.pid);
      const at = Date.now();
      await writeFile(file, next);
      const acked = await waitMeshguard(adminPort, ids, at, `meshguard, edit ${k}`);
      const cpu = cpuSeconds(server.pid) - cpuBefore;
      // serve's log is buffered (flushed every 100 ms): the line may land just after the last ACK.
      let push = logged(server, 'xds_push', at);
      for (let tries = 0; push === null && tries < 20; tries++) {
        await sleep(100);
        push = logged(server, 'xds_push', at);
      }
      const all = latest(acked) - at;
      const pushAt = measurement(push ? Date.parse(push.startedAt as string) : null, `edit ${k}: the xds_push log line`);
      mg.all.push(all);
      mg.envoys.push(latest(acked, envoyIds) - at);
      mg.fanOut.push(latest(acked) - pushAt);
      mg.cpu.push(cpu);
      ctx.log(`meshguard edit ${k}: push started +${pushAt - at} ms (${String(push?.snapshots)} snapshots built in ${String(push?.buildMs)} ms), ${envoys.length} Envoys ACKed +${mg.envoys.at(-1)} ms, all ${ids.size} ACKed +${all} ms; serve CPU ${cpu.toFixed(2)} s`);
      ctx.log(`export ${k}: ${(await exportSnapshots(file, nodesFile, exportFile(k))).toFixed(0)} ms`);
    }
    const mgPeak = measurement(memoryOf(server.pid).peakMb, 'serve peak RSS');
    const mgRss = measurement(memoryOf(server.pid).rssMb, 'serve RSS');
    await clients.stop();
    clients = null;
    await server.stop();
    server = null;

    // ---- go-control-plane: the same nodes, the same snapshots, on serve's port ----
    go = await GoControlPlane.start(`127.0.0.1:${xdsPort}`);
    let versions = typeVersionsOf(exportFile(0));
    const first = await go.ask({ cmd: 'load', file: exportFile(0) });
    if (first.event !== 'loaded' || first.nodes !== ids.size) throw new Error(`go-control-plane load: ${JSON.stringify(first)}`);
    const applied0 = await go.ask({ cmd: 'apply' });
    if (applied0.event !== 'applied') throw new Error(`go-control-plane apply: ${JSON.stringify(applied0)}`);
    clients = Clients.start();
    const goReady = await clients.ask({ type: 'start', address: `127.0.0.1:${xdsPort}`, nodes: sims });
    if (goReady.type !== 'ready') throw new Error(`unexpected ${goReady.type}`);
    await waitGo(go, changedTypes(null, versions), applied0.at, 'go-control-plane, first configuration');
    await waitEnvoys(envoys, 'go-control-plane, first configuration');
    ctx.log(`go-control-plane: ${ids.size} nodes configured (the Envoys reconnected); RSS ${memoryOf(go.pid).rssMb?.toFixed(0)} MB`);
    const gcp: Phase = { all: [], envoys: [], fanOut: [], cpu: [] };
    for (let k = 1; k <= EDITS; k++) {
      const load = await go.ask({ cmd: 'load', file: exportFile(k) });
      if (load.event !== 'loaded') throw new Error(`go-control-plane load: ${JSON.stringify(load)}`);
      const next = typeVersionsOf(exportFile(k));
      const expected = changedTypes(versions, next);
      versions = next;
      await sleep(300);
      const cpuBefore = cpuSeconds(go.pid);
      const applied = await go.ask({ cmd: 'apply' });
      if (applied.event !== 'applied') throw new Error(`go-control-plane apply: ${JSON.stringify(applied)}`);
      const acked = await waitGo(go, expected, applied.at, `go-control-plane, edit ${k}`);
      gcp.all.push(latest(acked) - applied.at);
      gcp.envoys.push(latest(acked, envoyIds) - applied.at);
      gcp.cpu.push(cpuSeconds(go.pid) - cpuBefore);
      const changed = new Set([...expected.values()].flat().map(shortName));
      ctx.log(`go-control-plane edit ${k}: SetSnapshot for ${load.nodes} nodes took ${applied.ms} ms; ${envoys.length} Envoys ACKed +${gcp.envoys.at(-1)} ms, all ACKed +${gcp.all.at(-1)} ms (changed: ${[...changed].join(', ')}); CPU ${gcp.cpu.at(-1)!.toFixed(2)} s`);
    }
    await waitEnvoys(envoys, 'go-control-plane, after the edits');
    const goPeak = measurement(memoryOf(go.pid).peakMb, 'go-control-plane peak RSS');

    const goFan = { name: 'go-control-plane, SetSnapshot → all ACKed, median', value: measurement(median(gcp.all), 'go median') };
    const goFan99 = { name: 'go-control-plane, SetSnapshot → all ACKed, p99', value: measurement(percentile(gcp.all, 99), 'go p99') };
    const figures: Figure[] = [
      { name: 'compile 2,000 workloads / 10,000 segments', value: compileMs, unit: 'ms', target: { op: '<=', value: 1000 } },
      { name: 'load (YAML parse + validate) of that policy', value: parseMs, unit: 'ms', note: 'policy/load.ts; part of every edit below' },
      { name: `first configuration of ${ids.size} nodes (${envoys.length} real Envoys started meanwhile)`, value: readyMs / 1000, unit: 's' },
      { name: `edit → all ${ids.size} nodes ACKed, median`, value: measurement(median(mg.all), 'median'), unit: 'ms', target: { op: '<=', value: 1000 }, baseline: goFan, note: 'includes load, compile, debounce, build; go-control-plane is handed the built snapshots' },
      { name: `edit → all ${ids.size} nodes ACKed, p99`, value: measurement(percentile(mg.all, 99), 'p99'), unit: 'ms', baseline: goFan99 },
      { name: `xDS push start → all ${ids.size} nodes ACKed, median`, value: measurement(median(mg.fanOut), 'fan-out median'), unit: 'ms', baseline: goFan, note: 'the like-for-like fan-out: build + send + ACK' },
      { name: `xDS push start → all ${ids.size} nodes ACKed, p99`, value: measurement(percentile(mg.fanOut, 99), 'fan-out p99'), unit: 'ms', baseline: goFan99 },
      { name: `edit → all ${envoys.length} real Envoys ACKed, median`, value: measurement(median(mg.envoys), 'Envoys median'), unit: 'ms', target: { op: '<=', value: 1000 }, baseline: { name: `go-control-plane, SetSnapshot → all ${envoys.length} Envoys ACKed, median`, value: measurement(median(gcp.envoys), 'go Envoys median') } },
      { name: 'serve CPU per edit (load + compile + build + send to all nodes)', value: measurement(median(mg.cpu), 'CPU'), unit: 's', baseline: { name: 'go-control-plane CPU per SetSnapshot + send', value: measurement(median(gcp.cpu), 'go CPU') } },
      { name: `serve RSS, peak (${ids.size} nodes)`, value: mgPeak, unit: 'MB', target: { op: '<=', value: 1024 }, baseline: { name: 'go-control-plane peak RSS, same nodes and snapshots', value: goPeak } },
      { name: 'serve RSS at the end', value: mgRss, unit: 'MB' },
    ];
    return {
      figures,
      notes: [
        `${ids.size} nodes: ${envoys.length} real Envoy ${'processes'} (1.40, one worker each, bootstraps from meshguard render envoy, half SotW, half delta ADS) and ${ids.size - envoys.length} simulated sidecars (one process, half SotW, half delta); XDS_BENCH_ENVOYS, XDS_BENCH_NODES, XDS_BENCH_EDITS set them. ${EDITS} edits, each changing one segment's rule.`,
        'A node counts as converged when the server has its ACK for every type the edit changed: meshguard from /xds/nodes (acked = sent, ECDS ACKed after the edit), go-control-plane from its own stream callbacks; times are the server-side ACK times.',
        'go-control-plane (v0.14, snapshot cache, ADS) serves the snapshots meshguard computed (meshguard render xds-snapshot, after each edit), on the port serve had: the Envoys reconnect to it. Its time starts at SetSnapshot, with the snapshots already decoded; meshguard\'s edit time also covers reading, compiling and building. SotW nodes of go-control-plane receive every type again on each snapshot version.',
        'meshguard serve also runs ext_authz and holds the compiled policy; go-control-plane holds only the snapshots.',
      ],
    };
  } finally {
    await clients?.stop();
    await go?.stop();
    await Promise.all(envoys.map((e) => e.process.stop()));
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export const benchmark: Benchmark = {
  name: 'xds',
  title: 'xDS: policy edit → 1,000 nodes ACKed (real Envoys among them), side by side with go-control-plane',
  order: 40,
  run,
};
