// `meshguard serve` as a library: ext_authz + admin HTTP (+ xDS later) around one policy that
// hot-reloads. Returns a handle with the bound ports and a graceful close.
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Metrics } from '../admin/metrics.js';
import { createAdminServer } from '../admin/server.js';
import { addAuthzService } from '../authz/server.js';
import { Authorizer } from '../engine/authorizer.js';
import { LocalRateLimitStore } from '../engine/rate-limit.js';
import type { CompiledPolicy } from '../policy/compiled.js';
import { formatDiagnostic, type Diagnostic } from '../policy/diagnostics.js';
import { PolicyWatcher } from './policy-watcher.js';

export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

export interface ServeOptions {
  readonly policyFile: string;
  readonly bind: string;
  readonly authzPort: number;
  readonly adminPort: number;
  readonly xdsPort: number;
  readonly tls: TlsFiles | null;
  readonly allowLogSample: number;
  readonly logger: Logger;
}

export interface MeshguardHandle {
  readonly ports: { readonly authz: number; readonly admin: number };
  readonly authorizer: Authorizer;
  readonly metrics: Metrics;
  close(): Promise<void>;
}

interface PolicyState {
  loadedAt: string | null;
  lastError: { at: string; errors: string[] } | null;
  reloads: number;
}

function credentials(tls: TlsFiles | null): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(readFileSync(tls.ca), [{ cert_chain: readFileSync(tls.cert), private_key: readFileSync(tls.key) }], true);
}

function bindGrpc(server: grpc.Server, address: string, creds: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync(address, creds, (err, port) => (err ? reject(err) : resolve(port))));
}

function listen(server: HttpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function hostPort(bind: string, port: number): string {
  return bind.includes(':') ? `[${bind}]:${port}` : `${bind}:${port}`;
}

async function firstPolicy(o: ServeOptions, state: PolicyState, metrics: Metrics, onPolicy: (p: CompiledPolicy) => void): Promise<PolicyWatcher> {
  let initial: readonly Diagnostic[] = [];
  const watcher = new PolicyWatcher(o.policyFile, {
    onPolicy(policy, warnings) {
      for (const w of warnings) o.logger.warn({ event: 'policy_warning', diagnostic: formatDiagnostic(w) }, 'policy warning');
      onPolicy(policy);
      metrics.setPolicy(policy.name, policy.version);
      if (state.loadedAt !== null) metrics.reloads.inc();
      state.loadedAt = new Date().toISOString();
      state.reloads++;
      o.logger.info({ event: 'policy_loaded', policy: policy.name, version: policy.version, file: policy.file }, 'policy loaded');
    },
    onRejected(errors) {
      initial = errors;
      const lines = errors.map(formatDiagnostic);
      if (state.loadedAt !== null) metrics.reloadFailures.inc();
      state.lastError = { at: new Date().toISOString(), errors: lines };
      o.logger.error({ event: 'policy_rejected', errors: lines }, 'policy edit rejected; the last good policy stays in force');
    },
  });
  if (!(await watcher.start())) {
    watcher.stop();
    throw new Error(`cannot serve: the policy is not valid\n${initial.map(formatDiagnostic).join('\n')}`);
  }
  return watcher;
}

export async function startMeshguard(o: ServeOptions): Promise<MeshguardHandle> {
  const metrics = new Metrics();
  const state: PolicyState = { loadedAt: null, lastError: null, reloads: 0 };
  let authorizer: Authorizer | null = null;
  const rateLimits = new LocalRateLimitStore();
  const watcher = await firstPolicy(o, state, metrics, (policy) => {
    if (authorizer) authorizer.setPolicy(policy);
    else authorizer = new Authorizer(policy, rateLimits);
  });
  const authz = authorizer as unknown as Authorizer;

  const grpcServer = new grpc.Server({ 'grpc.max_concurrent_streams': 1_000_000 });
  addAuthzService(grpcServer, { authorizer: authz, metrics, logger: o.logger, allowLogSample: o.allowLogSample });
  const authzPort = await bindGrpc(grpcServer, hostPort(o.bind, o.authzPort), credentials(o.tls));

  const admin = createAdminServer({
    metrics,
    readiness: [{ name: 'policy', check: () => (state.loadedAt === null ? 'no policy loaded' : null) }],
    status: () => ({
      policy: { name: authz.policy.name, version: authz.policy.version, file: authz.policy.file, loadedAt: state.loadedAt, reloads: state.reloads, lastError: state.lastError },
      rateLimits: { store: rateLimits.kind },
      xds: { port: o.xdsPort, served: false },
    }),
  });
  const adminPort = await listen(admin, o.adminPort, o.bind);
  if (!o.tls) o.logger.warn({ event: 'plaintext' }, 'no TLS material: the ext_authz port is plaintext and nodes are unauthenticated');
  o.logger.info({ event: 'listening', authzPort, adminPort, xdsPort: o.xdsPort, policy: authz.policy.name, version: authz.policy.version }, 'meshguard serving');

  return {
    ports: { authz: authzPort, admin: adminPort },
    authorizer: authz,
    metrics,
    async close() {
      watcher.stop();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => { grpcServer.forceShutdown(); resolve(); }, 5000);
        grpcServer.tryShutdown(() => { clearTimeout(force); resolve(); });
      });
      await new Promise<void>((resolve) => admin.close(() => resolve()));
    },
  };
}
