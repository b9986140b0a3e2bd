// `serve --kubernetes`: the policy's `workloads` replaced by what runs in the cluster (Pods, grouped
// as pods.ts documents), recompiled on change. The kubeconfig is the default one: $KUBECONFIG,
// ~/.kube/config, or the in-cluster service account.
import { KubeConfig } from '@kubernetes/client-node';
import { Gauge } from 'prom-client';
import type { Component, ServeContext } from '../component.js';
import { DEFAULT_POD_WATCHER, PodWatcher, type PodWatcherOptions } from '../../inventory/kubernetes.js';

export interface KubernetesInventoryOptions {
  /** Default: KubeConfig.loadFromDefault(). */
  readonly kubeConfig?: KubeConfig;
  readonly watcher?: Partial<PodWatcherOptions>;
}

function defaultKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

export function kubernetesInventoryComponent(options: KubernetesInventoryOptions = {}): Component {
  return {
    name: 'kubernetes',
    async start(ctx: ServeContext) {
      const kc = options.kubeConfig ?? defaultKubeConfig();
      const gauge = new Gauge({ name: 'meshguard_inventory_workloads', help: 'Workloads in the inventory discovered from Kubernetes Pods', registers: [ctx.metrics.registry] });
      const watcher = new PodWatcher(kc, {
        onInventory(workloads, pods) {
          const compiled = ctx.policies.setInventory(workloads);
          gauge.set(workloads.length);
          ctx.logger.info({ event: 'inventory_changed', source: 'kubernetes', pods, workloads: workloads.length, version: compiled?.version }, 'inventory from Kubernetes changed; policy recompiled');
        },
        onError(error) {
          ctx.logger.warn({ event: 'inventory_watch_error', error: error.message }, 'Kubernetes Pod watch failed; retrying');
        },
      }, { ...DEFAULT_POD_WATCHER, ...options.watcher });
      ctx.readiness.push({
        name: 'kubernetes',
        check: () => (watcher.status().synced ? null : `the Pods of ${watcher.status().server} have not been listed yet`),
        degraded: () => {
          const s = watcher.status();
          return s.synced && s.lastError && (!s.lastUpdate || s.lastError.at > s.lastUpdate) ? `Pod watch: ${s.lastError.message}` : null;
        },
      });
      ctx.status.set('kubernetes', () => watcher.status());
      ctx.logger.info({ event: 'inventory_source', source: 'kubernetes', server: kc.getCurrentCluster()?.server }, 'the inventory comes from Kubernetes Pods');
      void watcher.start();
      return { close: () => watcher.stop() };
    },
  };
}
