// The snapshot cache: one snapshot per snapshot key (workload, node kind, sidecar settings),
// built when the first node of that key connects, rebuilt for every connected key when the
// policy changes, dropped when the key's last stream closes (memory stays bounded by what is
// connected). Policy changes are debounced: a burst is applied once, 100 ms after it goes quiet
// and at most `maxDelayMs` after it began.
import type { CompiledPolicy } from '../policy/compiled.js';
import type { ConfigWatcher, NodeInfo, Snapshot, Watch } from './contracts.js';
import type { SnapshotBuilder } from './snapshot-builder.js';

export interface CacheOptions {
  readonly debounceMs: number;
  readonly maxDelayMs: number;
  /** Rebuilding many keys yields to the event loop after this many milliseconds of work. */
  readonly sliceMs: number;
}

export const DEFAULT_CACHE_OPTIONS: CacheOptions = { debounceMs: 100, maxDelayMs: 1000, sliceMs: 20 };

/** One application of a policy change to every connected key (for logs). */
export interface RebuildReport {
  readonly policyVersion: string;
  readonly keys: number;
  /** When the change was first seen, when the rebuild started and how long it took (ms). */
  readonly editAt: number;
  readonly startedAt: number;
  readonly tookMs: number;
}

interface Entry {
  readonly node: NodeInfo;
  snapshot: Snapshot;
  readonly watchers: Set<(snapshot: Snapshot) => void>;
}

export class SnapshotCache implements ConfigWatcher {
  private readonly entries = new Map<string, Entry>();
  private pending: { policy: CompiledPolicy; since: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private generation = 0;
  private editAt: number | null = null;
  private applying: Promise<void> = Promise.resolve();

  constructor(
    private current: CompiledPolicy,
    private readonly builder: Pick<SnapshotBuilder, 'build' | 'forget' | 'reset'>,
    private readonly options: CacheOptions = DEFAULT_CACHE_OPTIONS,
    private readonly onRebuilt: ((report: RebuildReport) => void) | null = null,
  ) {}

  get policy(): CompiledPolicy {
    return this.current;
  }

  /** Snapshot keys with at least one stream. */
  get size(): number {
    return this.entries.size;
  }

  watch(node: NodeInfo, onSnapshot: (snapshot: Snapshot) => void): Watch {
    let entry = this.entries.get(node.snapshotKey);
    if (!entry) {
      entry = { node, snapshot: this.builder.build(this.current, node, this.editAt), watchers: new Set() };
      this.entries.set(node.snapshotKey, entry);
    }
    const e = entry;
    e.watchers.add(onSnapshot);
    return {
      snapshot: e.snapshot,
      cancel: () => {
        e.watchers.delete(onSnapshot);
        if (e.watchers.size > 0 || this.entries.get(node.snapshotKey) !== e) return;
        this.entries.delete(node.snapshotKey);
        this.builder.forget(node.snapshotKey);
        if (this.entries.size === 0) this.builder.reset();
      },
    };
  }

  /** A new compiled policy; applied after the debounce. `seenAt` is when the edit was seen. */
  update(policy: CompiledPolicy, seenAt = Date.now()): void {
    this.pending = { policy, since: this.pending?.since ?? seenAt };
    if (this.timer) clearTimeout(this.timer);
    const waited = Date.now() - this.pending.since;
    this.timer = setTimeout(() => this.applyPending(), Math.max(0, Math.min(this.options.debounceMs, this.options.maxDelayMs - waited)));
  }

  /** Applies a pending update now; resolves when every connected key has its new snapshot. */
  async flush(): Promise<void> {
    if (this.pending) this.applyPending();
    await this.applying;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
    this.generation++;
  }

  private applyPending(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    this.current = pending.policy;
    this.editAt = pending.since;
    const generation = ++this.generation;
    this.applying = this.rebuild(generation);
  }

  /** Rebuilds every connected key in time slices, so pushes to early keys go out while later ones build. */
  private async rebuild(generation: number): Promise<void> {
    const keys = [...this.entries.keys()];
    const startedAt = Date.now();
    const started = performance.now();
    let sliceStart = started;
    for (const key of keys) {
      if (generation !== this.generation) return;
      const entry = this.entries.get(key);
      if (!entry) continue;
      entry.snapshot = this.builder.build(this.current, entry.node, this.editAt);
      for (const w of [...entry.watchers]) w(entry.snapshot);
      if (performance.now() - sliceStart > this.options.sliceMs) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
    this.onRebuilt?.({ policyVersion: this.current.version, keys: keys.length, editAt: this.editAt ?? startedAt, startedAt, tookMs: performance.now() - started });
  }
}
