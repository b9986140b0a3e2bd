// The snapshot cache: one snapshot per snapshot key (workload, node kind, sidecar settings),
// built when the first node of that key connects, rebuilt for every connected key when the
// policy changes, dropped when the key's last stream closes (memory stays bounded by what is
// connected). Policy changes are debounced: a burst is applied once, 100 ms after it goes quiet
// and at most `maxDelayMs` after it began. No snapshot is published before it passes
// snapshot-check.ts: one that fails keeps the key on its last good snapshot and is reported.
import { MeshguardError } from '../errors.js';
import type { CompiledPolicy } from '../policy/compiled.js';
import type { ConfigWatcher, NodeInfo, Snapshot, Watch } from './contracts.js';
import type { SnapshotBuilder } from './snapshot-builder.js';
import { snapshotProblems } from './snapshot-check.js';

/** What the cache needs of a builder. */
export type SnapshotSource = Pick<SnapshotBuilder, 'build' | 'forget' | 'reset'>;

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

/** A snapshot that failed the check and was not published. */
export interface RejectedSnapshot {
  readonly code: 'MG_ERR_XDS_SNAPSHOT';
  readonly snapshotKey: string;
  readonly policyVersion: string;
  readonly problems: readonly string[];
  /** The policy version of the snapshot the key keeps, or null when it has none (its node is refused). */
  readonly kept: string | null;
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
  /** The newest policy a published snapshot was built from: a new key falls back to it. */
  private lastGood: CompiledPolicy | null = null;
  private rejectedCount = 0;
  private lastRejection: RejectedSnapshot | null = null;

  constructor(
    private current: CompiledPolicy,
    private readonly builder: SnapshotSource,
    private readonly options: CacheOptions = DEFAULT_CACHE_OPTIONS,
    private readonly onRebuilt: ((report: RebuildReport) => void) | null = null,
    private readonly onRejected: ((rejected: RejectedSnapshot) => void) | null = null,
  ) {}

  /** Snapshots refused by the check since start, and the last one. */
  get rejections(): { readonly count: number; readonly last: RejectedSnapshot | null } {
    return { count: this.rejectedCount, last: this.lastRejection };
  }

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
      entry = { node, snapshot: this.firstSnapshot(node), watchers: new Set() };
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

  /** A new key's snapshot from the policy in force, else from the last good one; throws when neither passes. */
  private firstSnapshot(node: NodeInfo): Snapshot {
    const built = this.checked(this.current, node);
    if (built.ok) return built.snapshot;
    const fallback = this.lastGood && this.lastGood !== this.current ? this.checked(this.lastGood, node) : null;
    this.reject(node.snapshotKey, this.current.version, built.problems, fallback?.ok ? this.lastGood!.version : null);
    if (fallback?.ok) return fallback.snapshot;
    throw new MeshguardError('MG_ERR_XDS_SNAPSHOT', `the snapshot for ${node.snapshotKey} fails its check: ${built.problems[0]}${built.problems.length > 1 ? ` (and ${built.problems.length - 1} more)` : ''}`);
  }

  private checked(policy: CompiledPolicy, node: NodeInfo): { ok: true; snapshot: Snapshot } | { ok: false; problems: string[] } {
    const snapshot = this.builder.build(policy, node, policy === this.current ? this.editAt : null);
    const problems = snapshotProblems(snapshot);
    if (problems.length > 0) return { ok: false, problems };
    this.lastGood = policy;
    return { ok: true, snapshot };
  }

  private reject(snapshotKey: string, policyVersion: string, problems: readonly string[], kept: string | null): void {
    const rejected: RejectedSnapshot = { code: 'MG_ERR_XDS_SNAPSHOT', snapshotKey, policyVersion, problems, kept };
    this.rejectedCount++;
    this.lastRejection = rejected;
    this.onRejected?.(rejected);
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
      const built = this.checked(this.current, entry.node);
      if (built.ok) {
        entry.snapshot = built.snapshot;
        for (const w of [...entry.watchers]) w(entry.snapshot);
      } else {
        this.reject(key, this.current.version, built.problems, entry.snapshot.policyVersion);
      }
      if (performance.now() - sliceStart > this.options.sliceMs) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
    this.onRebuilt?.({ policyVersion: this.current.version, keys: keys.length, editAt: this.editAt ?? startedAt, startedAt, tookMs: performance.now() - started });
  }
}
