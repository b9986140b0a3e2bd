// The xDS part of `meshguard serve`: ADS (SotW + delta) and ECDS on --xds-port, snapshots from the
// policy in force, re-pushed to every connected node when it changes; /xds/nodes and metrics.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { bindGrpc, hostPort, serverCredentials, shutdownGrpc, type TlsFiles } from '../../grpc/server.js';
import { sendJson } from '../admin/server.js';
import type { Component, ServeContext } from '../component.js';
import { parseHostPort, type HostPort } from '../../xds/build/names.js';
import { loadWasmSource } from '../../xds/build/wasm-modules.js';
import { DEFAULT_CACHE_OPTIONS, SnapshotCache } from '../../xds/cache.js';
import type { ConfigWatcher } from '../../xds/contracts.js';
import { spiffeIdOf } from '../../xds/node.js';
import { addXdsServices } from '../../xds/server.js';
import { SnapshotBuilder } from '../../xds/snapshot-builder.js';
import { createXdsMetrics, XdsStatus } from '../../xds/status.js';

function authzAddress(ctx: ServeContext): HostPort {
  const configured = parseHostPort(ctx.options.xds.authzAddress ?? '');
  if (configured) return configured;
  const bind = ctx.options.bind;
  const host = bind === '0.0.0.0' || bind === '::' || bind === '' ? '127.0.0.1' : bind;
  return { host, port: ctx.options.authzPort === 0 ? 9001 : ctx.options.authzPort };
}

function certificateIdentity(tls: TlsFiles): string | null {
  try {
    return spiffeIdOf(new X509Certificate(readFileSync(tls.cert)).subjectAltName);
  } catch {
    return null;
  }
}

export function xdsComponent(): Component {
  return {
    name: 'xds',
    async start(ctx: ServeContext) {
      const tls = ctx.options.tls;
      const builder = new SnapshotBuilder({
        authzAddress: authzAddress(ctx),
        tls: tls ? { authzIdentity: certificateIdentity(tls) } : null,
        wasm: loadWasmSource({ baseUrl: ctx.options.xds.wasmBaseUrl, dir: ctx.options.xds.wasmBuildDir }),
        runtime: () => ctx.overlay.current,
      });
      const cache = new SnapshotCache(ctx.policies.current, builder, { ...DEFAULT_CACHE_OPTIONS, debounceMs: ctx.options.xds.debounceMs ?? DEFAULT_CACHE_OPTIONS.debounceMs }, (r) => ctx.logger.info({
        event: 'xds_push', policyVersion: r.policyVersion, snapshots: r.keys, waitedMs: r.startedAt - r.editAt, buildMs: Math.round(r.tookMs),
        startedAt: new Date(r.startedAt).toISOString(),
      }, 'policy change pushed to every connected node'), (r) => ctx.logger.error({
        event: 'xds_snapshot_rejected', code: r.code, snapshotKey: r.snapshotKey, policyVersion: r.policyVersion, kept: r.kept, problems: r.problems.slice(0, 20),
      }, r.kept === null ? 'a snapshot failed its check and the node has no good one: it is refused' : 'a snapshot failed its check: the node keeps its last good one'));
      const unsubscribePolicy = ctx.policies.subscribe((policy) => cache.update(policy));
      // A new model or quarantine changes only the filter configs: the same policy, pushed again.
      const unsubscribeOverlay = ctx.overlay.subscribe(() => cache.update(ctx.policies.current));
      const unsubscribe = () => { unsubscribePolicy(); unsubscribeOverlay(); };
      const status = new XdsStatus(createXdsMetrics(ctx.metrics.registry), ctx.logger);
      const server = new grpc.Server({
        'grpc.max_concurrent_streams': 1_000_000,
        'grpc.keepalive_time_ms': 30_000,
        'grpc.keepalive_timeout_ms': 20_000,
        'grpc.keepalive_permit_without_calls': 1,
        'grpc.max_send_message_length': 64 * 1024 * 1024,
      });
      // The test-only rewrite applies to what the cache publishes, after the snapshot check: it stands
      // for what Envoy rejects and meshguard's validators do not catch.
      const rewrite = ctx.options.xds.rewriteSnapshotForTests;
      const watcher: ConfigWatcher = rewrite
        ? { watch: (node, on) => { const w = cache.watch(node, (s) => on(rewrite(s, node))); return { snapshot: rewrite(w.snapshot, node), cancel: () => w.cancel() }; } }
        : cache;
      addXdsServices(server, { watcher, callbacks: status, logger: ctx.logger, tls: tls !== null, policy: () => cache.policy });
      if (ctx.options.xdsPort === null) throw new Error('the xDS component needs an --xds-port');
      const port = await bindGrpc(server, hostPort(ctx.options.bind, ctx.options.xdsPort), serverCredentials(tls), 'xDS, --xds-port');
      ctx.admin.get('/xds/nodes', (_req, res) => sendJson(res, 200, status.snapshot()));
      ctx.status.set('xds', () => ({ port, connectedNodes: status.connected, snapshots: cache.size, policyVersion: cache.policy.version, rejectedSnapshots: cache.rejections, authenticated: tls !== null, nodes: status.snapshot().nodes }));
      if (!tls) ctx.logger.warn({ event: 'xds_unauthenticated' }, 'xDS is plaintext: nodes are not authenticated and are served the workload their metadata names');
      const missing = Object.entries(builder.settings.wasm.sha256).filter(([, h]) => h === null).map(([m]) => m);
      if (missing.length > 0) ctx.logger.warn({ event: 'xds_wasm_unbuilt', modules: missing }, 'some wasm modules are not built: their ECDS configs carry no sha256');
      return {
        ports: { xds: port },
        async close() {
          unsubscribe();
          cache.close();
          await shutdownGrpc(server, 500);
        },
      };
    },
  };
}
