// A whole sidecar on loopback: meshguard's xDS and ext_authz in this process (the code `serve`
// runs), an Envoy started from the `render envoy` bootstrap of one workload, the workload's
// certificate from a CA made at start, and an echo server as the application. Envoy runs in
// direct mode (control-plane/xds/node.ts): no iptables, so its listeners listen on loopback
// addresses of their own — inbound at each of the workload's ports, outbound at a free port, 80
// and 443 — and the application answers at the same ports on another loopback address, which a
// DNS server of its own gives for every name egress resolves. Ports 80 and 443 need root (or
// CAP_NET_BIND_SERVICE, or a user and network namespace: `unshare -rn`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { authzComponent } from './components/authz.js';
import type { CompiledWorkload } from '../policy/compiled.js';
import type { Component } from './component.js';
import { startMeshguard, type MeshguardHandle } from './runtime.js';
import { stateComponent } from './components/state.js';
import { xdsComponent } from './components/xds.js';
import { renderBootstrapYaml } from '../xds/bootstrap-yaml.js';
import { META_APP_ADDRESS, META_INBOUND_ADDRESS, META_OUTBOUND_ADDRESS, META_OUTBOUND_PORT } from '../xds/node.js';
import { startDns } from '../envoy/dns.js';
import { startEcho, type EchoServer } from '../envoy/echo.js';
import { MeshCa } from '../envoy/pki.js';
import { startEnvoy, type EnvoyProcess } from '../envoy/process.js';
import { freeLoopbackPort, loopbackBlock } from '../envoy/loopback.js';

export interface SidecarOptions {
  readonly binary: string;
  readonly policyFile: string;
  /** `<namespace>/<name>` */
  readonly workload: string;
  /** Where identity.wasm, anomaly.wasm and egress.wasm are. */
  readonly wasmDir: string;
  /** Redis for ext_authz's rate limits; null (default): per process. */
  readonly redisUrl?: string | null;
  readonly concurrency?: number;
  readonly envoyLogLevel?: 'trace' | 'debug' | 'info' | 'warning' | 'error';
  readonly componentLogLevel?: string;
  /** meshguard's own log level (default: MESHGUARD_LOG_LEVEL, else silent); logs go to stderr. */
  readonly logLevel?: string;
  /** Seconds to wait for Envoy to ACK its listeners and filter configurations (default 60). */
  readonly readyTimeoutS?: number;
}

export interface Sidecar {
  readonly envoy: EnvoyProcess;
  readonly meshguard: MeshguardHandle;
  readonly workload: CompiledWorkload;
  readonly ca: MeshCa;
  readonly echo: EchoServer;
  /** The inbound listener: TLS at each of the workload's ports (or one port when it lists none). */
  readonly inbound: { readonly host: string; readonly ports: readonly number[] };
  /** The outbound listener: plaintext HTTP at each port. */
  readonly outbound: { readonly host: string; readonly ports: readonly number[] };
  stop(): Promise<void>;
}

function components(): Component[] {
  const state = stateComponent();
  return [state, authzComponent(state.rateLimits), xdsComponent()];
}

interface NodeTypes { nodes: { workload: string; types: Record<string, { acked: string | null }>; lastNack: unknown }[] }

/** meshguard saw Envoy ACK LDS and ECDS, and Envoy has both listeners warm (routes and filter configs in). */
async function waitReady(sidecar: { envoy: EnvoyProcess; meshguard: MeshguardHandle }, workload: string, timeoutMs: number): Promise<void> {
  const admin = sidecar.meshguard.ports.admin!;
  const until = Date.now() + timeoutMs;
  for (;;) {
    const doc = (await (await fetch(`http://127.0.0.1:${admin}/xds/nodes`)).json()) as NodeTypes;
    const node = doc.nodes.find((n) => n.workload === workload);
    if (node?.lastNack) throw new Error(`Envoy rejected meshguard's configuration: ${JSON.stringify(node.lastNack)}\n${sidecar.envoy.logs().slice(-3000)}`);
    const acked = node !== undefined && ['LDS', 'ECDS', 'RDS', 'CDS'].every((t) => node.types[t]?.acked);
    if (acked) {
      const stats = await sidecar.envoy.stats('listener_manager');
      if ((stats.get('listener_manager.total_listeners_active') ?? 0) >= 2 && (stats.get('listener_manager.total_listeners_warming') ?? 1) === 0) return;
    }
    if (Date.now() > until) throw new Error(`Envoy did not ACK its listeners and filter configurations within ${timeoutMs} ms (meshguard sees ${JSON.stringify(node?.types ?? 'no node')})\n${sidecar.envoy.logs().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startSidecar(o: SidecarOptions): Promise<Sidecar> {
  const dir = mkdtempSync(join(tmpdir(), 'meshguard-sidecar-'));
  const undo: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const unwind = async () => { for (const f of undo.reverse()) await f(); };
  try {
    const logger = pino({ level: o.logLevel ?? process.env.MESHGUARD_LOG_LEVEL ?? 'silent' }, pino.destination(2));
    const meshguard = await startMeshguard({
      policyFile: o.policyFile, bind: '127.0.0.1', authzPort: 0, adminPort: 0, xdsPort: 0,
      redisUrl: o.redisUrl ?? null, tls: null, allowLogSample: 0,
      xds: { authzAddress: null, wasmBaseUrl: null, wasmBuildDir: o.wasmDir, debounceMs: null },
    }, logger, components());
    undo.push(() => meshguard.close());
    const workload = meshguard.context.policies.current.workloads.get(o.workload);
    if (!workload) throw new Error(`no workload ${o.workload} in the policy (have: ${[...meshguard.context.policies.current.workloads.keys()].join(', ')})`);

    const block = loopbackBlock();
    const addresses = { inbound: `${block}.2`, outbound: `${block}.3`, app: `${block}.4` };
    const outboundPort = await freeLoopbackPort(addresses.outbound);
    const inboundPorts = workload.ports.length > 0 ? [...workload.ports] : [await freeLoopbackPort(addresses.inbound)];
    // Egress goes through Envoy's dynamic forward proxy: every name resolves to the application,
    // which answers at the outbound ports too.
    const echo = await startEcho(addresses.app, [...new Set([...inboundPorts, outboundPort, 80, 443])]);
    undo.push(() => echo.close());
    const dns = await startDns({}, addresses.app);
    undo.push(() => dns.close());

    const ca = new MeshCa(join(dir, 'pki'));
    const own = ca.issue('sidecar', workload.identity);
    const bootstrap = renderBootstrapYaml({
      workload, xdsAddress: { host: '127.0.0.1', port: meshguard.ports.xds! }, delta: false, adminPort: 0,
      wasmDir: o.wasmDir, certDir: own.dir, authzAddress: `127.0.0.1:${meshguard.ports.authz!}`, tls: false, dnsResolver: `127.0.0.1:${dns.port}`,
      metadata: {
        [META_INBOUND_ADDRESS]: addresses.inbound, [META_OUTBOUND_ADDRESS]: addresses.outbound,
        [META_APP_ADDRESS]: addresses.app, [META_OUTBOUND_PORT]: String(outboundPort),
        ...(workload.ports.length > 0 ? {} : { 'meshguard.io/inbound-port': String(inboundPorts[0]) }),
      },
    }, `meshguard render envoy --workload ${workload.key} (direct mode)`);
    const envoy = await startEnvoy({
      binary: o.binary, bootstrap, concurrency: o.concurrency ?? 1, logLevel: o.envoyLogLevel ?? 'warning',
      ...(o.componentLogLevel ? { componentLogLevel: o.componentLogLevel } : {}),
    });
    undo.push(() => envoy.stop());
    await waitReady({ envoy, meshguard }, workload.key, (o.readyTimeoutS ?? 60) * 1000);
    return {
      envoy, meshguard, workload, ca, echo,
      inbound: { host: addresses.inbound, ports: inboundPorts },
      outbound: { host: addresses.outbound, ports: [...new Set([outboundPort, 80, 443])] },
      stop: unwind,
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}
