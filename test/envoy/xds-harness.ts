// Real Envoys bootstrapped by `meshguard render envoy` against `meshguard serve` (child processes),
// with a test PKI (a mesh CA, meshguard's certificate, one per workload), an echo upstream and
// requests through Envoy's listeners. Every wait is on Envoy's admin stats or meshguard's
// /xds/nodes, never a fixed sleep.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { EnvoyProcess } from '../../control-plane/envoy/process.js';
import { authzComponent } from '../../control-plane/serve/components/authz.js';
import { stateComponent } from '../../control-plane/serve/components/state.js';
import { xdsComponent } from '../../control-plane/serve/components/xds.js';
import type { XdsServeOptions } from '../../control-plane/serve/options.js';
import { startMeshguard } from '../../control-plane/serve/runtime.js';
import { runMeshguard } from '../helpers/cli.js';
import { envoy } from '../helpers/envoy.js';
import { freePort } from '../helpers/net.js';
import { httpGet, startServe, type ServeProcess } from '../helpers/serve.js';
import { TestCa, type CertFiles } from '../xds/certs.js';

export const MESHGUARD_ID = 'spiffe://cluster.local/ns/meshguard/sa/meshguard';
export const ECDS = ['meshguard.identity', 'meshguard.anomaly', 'meshguard.egress'];
const WASM_DIR = join(process.cwd(), 'build', 'wasm');

export const idOf = (workload: string) => `spiffe://cluster.local/ns/${workload.split('/')[0]}/sa/${workload.split('/')[1]}`;

/** The ports of a `serve`, a child process (ServeProcess) or in this process (InProcessServe). */
export interface ServeEndpoints {
  readonly xdsPort: number;
  readonly authzPort: number;
  readonly adminPort: number;
}

/** `serve` run as a library in the test's process (for ServeOptions that no flag sets). */
export interface InProcessServe extends ServeEndpoints {
  /** Every log line so far. */
  readonly logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

export interface SidecarOptions {
  readonly delta?: boolean;
  /** The identity in the node's certificate (default: the workload's). */
  readonly certIdentity?: string;
  readonly listenAddress?: string;
  readonly inboundPort?: number;
  readonly outboundPort?: number;
  readonly dnsResolver?: string;
  /** Another replica to connect to (default: the fixture's serve). */
  readonly serve?: ServeEndpoints;
  /** Reuse these certificates (and their directory) instead of issuing new ones. */
  readonly certs?: CertFiles;
  /** The ext_authz port the sidecar uses (default: its replica's). */
  readonly authzPort?: number;
}

export interface Sidecar {
  readonly envoy: EnvoyProcess;
  readonly workload: string;
  readonly bootstrap: string;
  readonly certs: CertFiles;
  readonly outboundPort: number | undefined;
}

export interface NodeDoc {
  id: string;
  workload: string;
  kind: string;
  authenticatedAs: string | null;
  streams: { id: number; delta: boolean }[];
  lastNack: { type: string; version: string; error: string } | null;
  types: Record<string, { sent: string | null; acked: string | null; ackedAt: number | null; pushes: number; acks: number; nacks: number }>;
}

export class MeshFixture {
  readonly dir = mkdtempSync(join(tmpdir(), 'mg-xds-envoy-'));
  readonly policyFile = join(this.dir, 'policy.yaml');
  readonly ca = new TestCa(join(this.dir, 'pki'));
  readonly meshguardCerts = this.ca.issue('meshguard', MESHGUARD_ID);
  private readonly replicas: (ServeProcess | InProcessServe)[] = [];
  private issued = 0;
  serve!: ServeProcess;

  /** Starts `serve` with mTLS on the given policy (fixed xDS and ext_authz ports, so a restart keeps them). */
  async start(policy: string): Promise<this> {
    writeFileSync(this.policyFile, policy);
    this.serve = await this.startReplica();
    return this;
  }

  async startReplica(ports?: { xds: number; authz: number }): Promise<ServeProcess> {
    const xds = ports?.xds ?? (await freePort());
    const authz = ports?.authz ?? (await freePort());
    const c = this.meshguardCerts;
    const serve = await startServe(['--xds-port', String(xds), '--authz-port', String(authz), '--redis', 'none', '--policy', this.policyFile,
      '--tls-cert', c.cert, '--tls-key', c.key, '--tls-ca', c.ca], { MESHGUARD_XDS_DEBOUNCE_MS: '20' });
    this.replicas.push(serve);
    return serve;
  }

  /**
   * Writes the policy and runs `serve` in this process with mTLS (ext_authz and xDS, no Redis), with
   * xDS settings a test chooses (`rewriteSnapshotForTests`, which no flag or variable reaches).
   */
  async startInProcess(policy: string, xds: Partial<XdsServeOptions> = {}): Promise<InProcessServe> {
    writeFileSync(this.policyFile, policy);
    const logs: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
    const c = this.meshguardCerts;
    const state = stateComponent();
    const handle = await startMeshguard({
      policyFile: this.policyFile, bind: '127.0.0.1', authzPort: 0, adminPort: 0, xdsPort: 0, redisUrl: null,
      tls: { cert: c.cert, key: c.key, ca: c.ca }, allowLogSample: 0,
      xds: { authzAddress: null, wasmBaseUrl: null, wasmBuildDir: null, debounceMs: 20, ...xds },
    }, logger, [state, authzComponent(state.rateLimits), xdsComponent()]);
    const serve: InProcessServe = { xdsPort: handle.ports.xds!, authzPort: handle.ports.authz!, adminPort: handle.ports.admin!, logs, stop: () => handle.close() };
    this.replicas.push(serve);
    return serve;
  }

  /** Stops the serve process and starts it again on the same ports. */
  async restart(): Promise<void> {
    const ports = { xds: this.serve.xdsPort, authz: this.serve.authzPort };
    await this.serve.stop();
    this.serve = await this.startReplica(ports);
  }

  /** Renders the workload's bootstrap with `meshguard render envoy` and starts Envoy from it. */
  async sidecar(workload: string, o: SidecarOptions = {}): Promise<Sidecar> {
    const serve = o.serve ?? this.serve;
    const certs = o.certs ?? this.ca.issue(`node-${++this.issued}`, o.certIdentity ?? idOf(workload));
    const args = ['render', 'envoy', '--policy', this.policyFile, '--workload', workload, '--tls',
      '--xds-address', `127.0.0.1:${serve.xdsPort}`, '--authz-address', `127.0.0.1:${o.authzPort ?? serve.authzPort}`,
      '--wasm-dir', WASM_DIR, '--cert-dir', certs.dir, '--admin-port', '0'];
    if (o.delta) args.push('--delta');
    if (o.listenAddress) args.push('--listen-address', o.listenAddress);
    if (o.inboundPort) args.push('--inbound-port', String(o.inboundPort));
    if (o.outboundPort) args.push('--outbound-port', String(o.outboundPort));
    if (o.dnsResolver) args.push('--dns-resolver', o.dnsResolver);
    const rendered = await runMeshguard(args);
    if (rendered.code !== 0) throw new Error(`render envoy failed: ${rendered.stderr}`);
    const proxy = await envoy({ bootstrap: rendered.stdout });
    return { envoy: proxy, workload, bootstrap: rendered.stdout, certs, outboundPort: o.outboundPort };
  }

  async nodes(serve: ServeEndpoints = this.serve): Promise<NodeDoc[]> {
    return (JSON.parse((await httpGet(serve.adminPort, '/xds/nodes')).body) as { nodes: NodeDoc[] }).nodes;
  }

  async close(): Promise<void> {
    for (const r of this.replicas) await r.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Envoy holds a configuration from meshguard: connected, every xDS type applied, nothing warming. */
export function converged(s: Map<string, number>): boolean {
  return s.get('control_plane.connected_state') === 1
    && (s.get('cluster_manager.cds.update_success') ?? 0) >= 1
    && (s.get('listener_manager.lds.update_success') ?? 0) >= 1
    && (s.get('http.outbound.rds.meshguard.outbound.update_success') ?? 0) >= 1
    && ECDS.every((n) => (s.get(`extension_config_discovery.http_filter.${n}.config_reload`) ?? 0) >= 1)
    && s.get('listener_manager.total_listeners_warming') === 0
    && s.get('cluster_manager.warming_clusters') === 0
    && s.get('listener_manager.total_listeners_active') === 2;
}

/** The stats that count rejections (each must stay 0 unless a test provokes one). */
export function rejections(s: Map<string, number>): [string, number][] {
  return [...s].filter(([k, v]) => /update_rejected$|config_fail$|update_failure$/.test(k) && v > 0);
}

/** Versions Envoy reports for each xDS type (its `*.version_text` stats come as text: read config_dump). */
export async function envoyVersions(e: EnvoyProcess): Promise<Record<string, string>> {
  const dump = await e.configDump();
  const out: Record<string, string> = {};
  for (const c of dump.configs) {
    const type = c['@type'].split('.').pop()!;
    if (type === 'ClustersConfigDump') out.CDS = String(c.version_info ?? '');
    if (type === 'ListenersConfigDump') out.LDS = String(c.version_info ?? '');
    if (type === 'RoutesConfigDump') {
      const dyn = (c.dynamic_route_configs as { version_info?: string }[] | undefined) ?? [];
      out.RDS = dyn.map((r) => r.version_info ?? '').join(',');
    }
    if (type === 'EcdsConfigDump') {
      const ecds = (c.ecds_filters as { version_info?: string; ecds_filter?: { name?: string } }[] | undefined) ?? [];
      out.ECDS = ecds.map((f) => `${f.ecds_filter?.name}=${f.version_info}`).sort().join(',');
    }
  }
  return out;
}

export interface EchoReply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export interface Echo {
  readonly port: number;
  readonly host: string;
  /** Requests that reached this server. */
  readonly seen: { host: string | undefined; path: string | undefined; local: string }[];
  close(): Promise<void>;
}

/** An HTTP upstream that answers 200 with where it runs and what it was asked. */
export async function startEcho(host: string, port = 0): Promise<Echo> {
  const seen: Echo['seen'] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const local = `${req.socket.localAddress}:${req.socket.localPort}`;
    seen.push({ host: req.headers.host, path: req.url, local });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ local, host: req.headers.host, path: req.url }));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, () => resolve()));
  const bound = (server.address() as { port: number }).port;
  return { port: bound, host, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function collect(res: IncomingMessage, resolve: (r: EchoReply) => void): void {
  let body = '';
  res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
}

/** A request over TLS to an inbound listener, presenting `client`'s certificate. */
export function mtlsGet(address: string, port: number, path: string, client: CertFiles): Promise<EchoReply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({
      host: address, port, path, method: 'GET', servername: 'localhost',
      cert: readFileSync(client.cert), key: readFileSync(client.key), ca: readFileSync(client.ca), agent: false, timeout: 10_000,
    }, (res) => collect(res, resolve));
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer in 10 s`)));
    req.on('error', reject).end();
  });
}

/** A plaintext HTTP request to `address:port` with a chosen Host (as an intercepted connection would carry). */
export function plainGet(address: string, port: number, path: string, host: string): Promise<EchoReply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: address, port, path, method: 'GET', headers: { host }, agent: false, timeout: 10_000 }, (res) => collect(res, resolve));
    req.on('timeout', () => req.destroy(new Error(`GET ${host}${path}: no answer in 10 s`)));
    req.on('error', reject).end();
  });
}

/** Polls `probe` until `ok` (or throws after `timeoutMs`); returns the last value and how long it took. */
export async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number, what: string): Promise<{ value: T; ms: number }> {
  const start = Date.now();
  let last: T | undefined;
  for (;;) {
    try {
      last = await probe();
      if (ok(last)) return { value: last, ms: Date.now() - start };
    } catch {
      // not there yet (a connection reset while Envoy reconfigures)
    }
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not reached within ${timeoutMs} ms (last: ${JSON.stringify(last)?.slice(0, 500)})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
