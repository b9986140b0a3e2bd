// Watches the cluster's Pods (list, then watch from the list's resourceVersion, with
// @kubernetes/client-node's informer) and hands on the inventory they make, debounced: a burst of
// pod events (a rollout) becomes one recompile. The informer does not restart after an error, so
// this restarts it after `restartMs`.
import { CoreV1Api, makeInformer, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { Workload } from '../policy/types.js';
import { workloadsFromPods } from './pods.js';

export interface PodWatcherOptions {
  readonly debounceMs: number;
  /** A steady stream of events still publishes at least this often. */
  readonly maxWaitMs: number;
  readonly restartMs: number;
}

export const DEFAULT_POD_WATCHER: PodWatcherOptions = { debounceMs: 1000, maxWaitMs: 5000, restartMs: 5000 };

export interface PodWatcherEvents {
  /** A new inventory (only when it differs from the last one handed on). */
  onInventory(workloads: Workload[], pods: number): void;
  onError(error: Error): void;
}

export interface PodWatcherStatus {
  readonly server: string;
  readonly synced: boolean;
  readonly pods: number;
  readonly workloads: number;
  readonly updates: number;
  readonly lastUpdate: string | null;
  readonly lastError: { readonly at: string; readonly message: string } | null;
}

type PodInformer = ReturnType<typeof makeInformer<V1Pod>>;

export class PodWatcher {
  private readonly pods = new Map<string, V1Pod>();
  private readonly informer: PodInformer;
  private timer: NodeJS.Timeout | null = null;
  private restart: NodeJS.Timeout | null = null;
  private firstPending = 0;
  private stopped = false;
  private lastPublished = '';
  private state: { synced: boolean; workloads: number; updates: number; lastUpdate: string | null; lastError: PodWatcherStatus['lastError'] } = {
    synced: false, workloads: 0, updates: 0, lastUpdate: null, lastError: null,
  };

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly events: PodWatcherEvents,
    private readonly options: PodWatcherOptions = DEFAULT_POD_WATCHER,
  ) {
    const api = kubeConfig.makeApiClient(CoreV1Api);
    // A successful list is the sync point: the informer adds its items right after this resolves,
    // before the publish timer fires.
    const list = () => api.listPodForAllNamespaces().then((pods) => {
      this.state.synced = true;
      this.publishSoon(0);
      return pods;
    });
    this.informer = makeInformer<V1Pod>(kubeConfig, '/api/v1/pods', list);
    this.informer.on('add', (pod) => this.changed(pod, false));
    this.informer.on('update', (pod) => this.changed(pod, false));
    this.informer.on('delete', (pod) => this.changed(pod, true));
    this.informer.on('error', (err: unknown) => this.failed(err));
  }

  /** Lists, then watches; resolves once the watch is open (or the attempt failed and a retry is scheduled). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.informer.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.restart) clearTimeout(this.restart);
    await this.informer.stop();
  }

  status(): PodWatcherStatus {
    return { server: this.kubeConfig.getCurrentCluster()?.server ?? '', pods: this.pods.size, ...this.state };
  }

  private changed(pod: V1Pod, deleted: boolean): void {
    const key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
    if (deleted) this.pods.delete(key);
    else this.pods.set(key, pod);
    if (this.state.synced) this.publishSoon(this.options.debounceMs);
  }

  private failed(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    this.state.lastError = { at: new Date().toISOString(), message: error.message };
    this.events.onError(error);
    if (this.stopped || this.restart) return;
    this.restart = setTimeout(() => {
      this.restart = null;
      if (!this.stopped) void this.start();
    }, this.options.restartMs);
    this.restart.unref();
  }

  private publishSoon(delayMs: number): void {
    const now = Date.now();
    if (!this.timer) this.firstPending = now;
    else clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(delayMs, this.firstPending + this.options.maxWaitMs - now));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.publish();
    }, wait);
    this.timer.unref();
  }

  private publish(): void {
    if (this.stopped) return;
    const workloads = workloadsFromPods(this.pods.values());
    const text = JSON.stringify(workloads);
    if (text === this.lastPublished) return;
    this.lastPublished = text;
    this.state = { ...this.state, workloads: workloads.length, updates: this.state.updates + 1, lastUpdate: new Date().toISOString() };
    this.events.onInventory(workloads, this.pods.size);
  }
}
