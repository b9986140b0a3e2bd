// The online learning loop: records → per-route statistics (benign traffic only) → a versioned
// model, with each route promoted learn → monitor → enforce by the policy's `anomaly.learning`.
import type { AnomalyLearning } from '../policy/types.js';
import { modelFromStats, type AnomalyModel, type RouteMode } from '../anomaly/model.js';
import type { TelemetryRecord } from './records.js';
import { RouteStats } from '../anomaly/stats.js';
import type { RouteModeState, StatsStore } from './stats-store.js';

export interface LearnerSettings {
  readonly learning: AnomalyLearning;
  readonly threshold: number;
}

/** The next mode of a route, by NeuVector-style rules: enough traffic, then a quiet period. */
export function promote(state: RouteModeState | undefined, count: number, s: AnomalyLearning, now: number): RouteModeState {
  const current = state ?? { mode: 'learn' as RouteMode, since: now, seen: 0, alerts: 0 };
  if (current.mode === 'learn' && count >= s.minRequests) return { mode: 'monitor', since: now, seen: 0, alerts: 0 };
  if (current.mode === 'monitor' && now - current.since >= s.monitorForSeconds * 1000 && current.seen > 0 && current.alerts / current.seen <= s.maxAlertRatio) {
    return { mode: 'enforce', since: now, seen: 0, alerts: 0 };
  }
  return current;
}

export class OnlineLearner {
  private pending = new Map<string, RouteStats>();
  private pendingWorkloads = new Map<string, number>();
  private pendingAlerts = new Map<string, { seen: number; alerts: number }>();
  private learned = 0;
  /** Whether anything was added to the shared statistics since the last build. */
  private dirty = true;

  constructor(
    private readonly store: StatsStore,
    private readonly settings: () => LearnerSettings,
    private readonly currentModel: () => AnomalyModel | null,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records seen by this process since it started. */
  get observed(): number {
    return this.learned;
  }

  observe(record: TelemetryRecord): void {
    const { threshold } = this.settings();
    const anomalous = record.sc >= threshold;
    if (this.currentModel()?.routes[record.r]?.mode === 'monitor') {
      const a = this.pendingAlerts.get(record.r) ?? this.pendingAlerts.set(record.r, { seen: 0, alerts: 0 }).get(record.r)!;
      a.seen++;
      if (anomalous) a.alerts++;
    }
    // Only benign traffic teaches: denied or anomalous requests would poison the baseline.
    if (record.ok !== 1 || anomalous) return;
    this.learned++;
    (this.pending.get(record.r) ?? this.pending.set(record.r, new RouteStats()).get(record.r)!).add({ route: record.r, workload: record.w, fields: record.fo });
    const w = record.w ?? '*';
    this.pendingWorkloads.set(w, (this.pendingWorkloads.get(w) ?? 0) + 1);
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0 && this.pendingAlerts.size === 0) return;
    const [stats, workloads, alerts] = [this.pending, this.pendingWorkloads, this.pendingAlerts];
    this.pending = new Map();
    this.pendingWorkloads = new Map();
    this.pendingAlerts = new Map();
    await this.store.add(stats, workloads, alerts);
    this.dirty = true;
  }

  /**
   * Promotes routes and builds the model from every replica's statistics. `force` rebuilds even when
   * this process added nothing (other replicas may have, and promotions depend on time).
   */
  async build(force = false): Promise<AnomalyModel | null> {
    if (!force && !this.dirty) return null;
    this.dirty = false;
    const { learning } = this.settings();
    const [learned, modes] = await Promise.all([this.store.load(), this.store.modes()]);
    if (learned.routes.size === 0) return null;
    const now = this.now();
    const changed = new Map<string, RouteModeState>();
    for (const [route, stats] of learned.routes) {
      const next = promote(modes.get(route), stats.count, learning, now);
      if (next !== modes.get(route)) changed.set(route, next);
      modes.set(route, next);
    }
    if (changed.size > 0) await this.store.setModes(changed);
    return modelFromStats(learned, (route) => modes.get(route)?.mode ?? 'learn');
  }
}
