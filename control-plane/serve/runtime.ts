// `meshguard serve` as a library: loads the policy (hot reload, last-known-good), starts the
// components (ext_authz, xDS, ...) and the admin HTTP server, and closes them in reverse order.
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Metrics } from './admin/metrics.js';
import { AdminRoutes, createAdminServer, type ReadinessCheck } from './admin/server.js';
import { formatDiagnostic, type Diagnostic } from '../policy/diagnostics.js';
import { DecisionBus } from './decision-bus.js';
import type { Component, RunningComponent, ServeContext } from './component.js';
import type { ServeOptions } from './options.js';
import { RuntimeOverlay } from './overlay.js';
import { PolicyHub } from './policy-hub.js';
import { PolicyWatcher } from './policy-watcher.js';
import { hostPort, listenError } from '../grpc/server.js';

export interface MeshguardHandle {
  readonly ports: Readonly<Record<string, number>>;
  readonly context: ServeContext;
  close(): Promise<void>;
}

interface PolicyState {
  loadedAt: string | null;
  lastError: { at: string; errors: string[]; more?: number } | null;
  /** Successful reloads after the first load (= meshguard_policy_reloads_total). */
  reloads: number;
  /** Rejected edits after the first load (= meshguard_policy_reload_failures_total). */
  reloadFailures: number;
}

/** How many diagnostics of one edit go to the log and /status (the rest are counted). */
export const MAX_REPORTED_DIAGNOSTICS = 20;

function listen(server: HttpServer, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(listenError(hostPort(host, port), what, err)));
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

async function watchPolicy(ctx: ServeContext, state: PolicyState): Promise<PolicyWatcher> {
  const { logger, metrics, policies } = ctx;
  let rejected: readonly Diagnostic[] = [];
  const watcher = new PolicyWatcher(ctx.options.policyFile, {
    onPolicy(policy, origin, warnings, loaded, source) {
      for (const w of warnings.slice(0, MAX_REPORTED_DIAGNOSTICS)) logger.warn({ event: 'policy_warning', diagnostic: formatDiagnostic(w) }, 'policy warning');
      const compiled = policies.setPolicy(policy, origin, loaded, source);
      metrics.setPolicy(compiled.name, compiled.version);
      if (state.loadedAt !== null) {
        metrics.reloads.inc();
        state.reloads++;
      }
      state.loadedAt = new Date().toISOString();
      logger.info({ event: 'policy_loaded', policy: compiled.name, version: compiled.version, file: compiled.file }, 'policy loaded');
    },
    onRejected(errors) {
      rejected = errors;
      // At most MAX_REPORTED_DIAGNOSTICS lines (each capped at creation): /status and the log stay small.
      const lines = errors.slice(0, MAX_REPORTED_DIAGNOSTICS).map(formatDiagnostic);
      const more = errors.length - lines.length;
      const extra = more > 0 ? { more } : {};
      state.lastError = { at: new Date().toISOString(), errors: lines, ...extra };
      if (state.loadedAt === null) {
        logger.error({ event: 'policy_rejected', errors: lines, ...extra }, 'the policy is not valid: there is no policy to serve');
        return;
      }
      metrics.reloadFailures.inc();
      state.reloadFailures++;
      logger.error({ event: 'policy_rejected', errors: lines, ...extra }, 'policy edit rejected; the last good policy stays in force');
    },
  });
  if (!(await watcher.start())) {
    watcher.stop();
    throw new Error(`cannot serve: the policy is not valid\n${rejected.slice(0, MAX_REPORTED_DIAGNOSTICS).map(formatDiagnostic).join('\n')}`);
  }
  return watcher;
}

export async function startMeshguard(options: ServeOptions, logger: Logger, components: readonly Component[]): Promise<MeshguardHandle> {
  const readiness: ReadinessCheck[] = [];
  const ctx: ServeContext = {
    options, logger, readiness,
    metrics: new Metrics(), policies: new PolicyHub(), decisions: new DecisionBus(), overlay: new RuntimeOverlay(),
    admin: new AdminRoutes(), status: new Map(),
  };
  const state: PolicyState = { loadedAt: null, lastError: null, reloads: 0, reloadFailures: 0 };
  readiness.push({ name: 'policy', check: () => (state.loadedAt === null ? 'no policy loaded' : null) });
  const watcher = await watchPolicy(ctx, state);
  ctx.status.set('policy', () => {
    const p = ctx.policies.current;
    return { name: p.name, version: p.version, file: p.file, loadedAt: state.loadedAt, reloads: state.reloads, reloadFailures: state.reloadFailures, lastError: state.lastError };
  });

  const running: RunningComponent[] = [];
  const closeAll = async () => {
    for (const c of running.reverse()) await c.close();
    watcher.stop();
  };
  const ports: Record<string, number> = {};
  try {
    for (const component of components) {
      const r = await component.start(ctx);
      running.push(r);
      Object.assign(ports, r.ports ?? {});
    }
    const admin = createAdminServer({
      metrics: ctx.metrics, readiness, routes: ctx.admin, token: options.adminToken ?? null,
      status: () => Object.fromEntries([...ctx.status].map(([name, doc]) => [name, doc()])),
    });
    ports.admin = await listen(admin, options.adminPort, options.adminBind ?? '127.0.0.1', 'admin, --admin-port');
    running.push({ close: () => new Promise<void>((resolve) => admin.close(() => resolve())) });
  } catch (err) {
    await closeAll();
    throw err;
  }
  if ((options.adminToken ?? null) === null) logger.info({ event: 'admin_mutations_off' }, 'no admin token: admin mutations (POST /quarantine/release) are off');
  if (!options.tls) logger.warn({ event: 'plaintext' }, 'no TLS material: the ext_authz and xDS ports are plaintext and nodes are unauthenticated');
  const policy = ctx.policies.current;
  logger.info({ event: 'listening', ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [`${k}Port`, v])), policy: policy.name, version: policy.version }, 'meshguard serving');
  return { ports, context: ctx, close: closeAll };
}
