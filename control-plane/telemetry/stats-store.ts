// Where learned statistics and route modes live: in Redis, shared by replicas (each adds its own
// share; every statistic is a sum, merged with HINCRBYFLOAT in one Lua script per route), or in
// memory for a single process.
import type { Cluster, Redis } from 'ioredis';

/** One Redis (direct or through Sentinel) or a Cluster: every command here touches one key. */
type RedisClient = Redis | Cluster;
import type { RouteMode } from '../anomaly/model.js';
import { RouteStats } from '../anomaly/stats.js';

export interface RouteModeState {
  mode: RouteMode;
  /** When the route entered its mode (ms). */
  since: number;
  /** Requests and anomalies seen since then. */
  seen: number;
  alerts: number;
}

export interface StatsStore {
  add(partial: ReadonlyMap<string, RouteStats>, workloads: ReadonlyMap<string, number>, alerts: ReadonlyMap<string, { seen: number; alerts: number }>): Promise<void>;
  load(): Promise<{ routes: Map<string, RouteStats>; workloads: Map<string, number> }>;
  modes(): Promise<Map<string, RouteModeState>>;
  setModes(modes: ReadonlyMap<string, RouteModeState>): Promise<void>;
}

export class MemoryStatsStore implements StatsStore {
  private readonly routes = new Map<string, RouteStats>();
  private readonly workloads = new Map<string, number>();
  private readonly modeStates = new Map<string, RouteModeState>();

  async add(partial: ReadonlyMap<string, RouteStats>, workloads: ReadonlyMap<string, number>, alerts: ReadonlyMap<string, { seen: number; alerts: number }>): Promise<void> {
    for (const [route, stats] of partial) (this.routes.get(route) ?? this.routes.set(route, new RouteStats()).get(route)!).merge(stats);
    for (const [w, n] of workloads) this.workloads.set(w, (this.workloads.get(w) ?? 0) + n);
    for (const [route, a] of alerts) {
      const m = this.modeStates.get(route);
      if (m) { m.seen += a.seen; m.alerts += a.alerts; }
    }
  }

  async load() {
    return { routes: new Map(this.routes), workloads: new Map(this.workloads) };
  }

  async modes() {
    return new Map([...this.modeStates].map(([k, v]) => [k, { ...v }]));
  }

  async setModes(modes: ReadonlyMap<string, RouteModeState>): Promise<void> {
    for (const [k, v] of modes) this.modeStates.set(k, { ...v });
  }
}


// ARGV[1] = JSON {field: increment}.
const MERGE_SCRIPT = `
local d = cjson.decode(ARGV[1])
for field, inc in pairs(d) do redis.call('HINCRBYFLOAT', KEYS[1], field, inc) end
return 1
`;

type MergeRedis = RedisClient & { meshguardMergeStats(key: string, json: string): Promise<number> };

const encode = (stats: RouteStats): string => JSON.stringify(Object.fromEntries(stats.sums));

const decode = (fields: Record<string, string>): RouteStats => RouteStats.fromSums(Object.entries(fields).map(([k, v]) => [k, Number(v)] as const));

export class RedisStatsStore implements StatsStore {
  private readonly redis: MergeRedis;

  private readonly keys: { routes: string; workloads: string; modes: string; alerts: string; route: (r: string) => string };

  /** `prefix` keeps one mesh's statistics apart from another's in a shared Redis (e.g. `mg:t:shop:`). */
  constructor(redis: RedisClient, prefix: string) {
    this.keys = { routes: `${prefix}learn:routes`, workloads: `${prefix}learn:w`, modes: `${prefix}learn:modes`, alerts: `${prefix}learn:alerts`, route: (r) => `${prefix}learn:r:${r}` };
    redis.defineCommand('meshguardMergeStats', { numberOfKeys: 1, lua: MERGE_SCRIPT });
    this.redis = redis as MergeRedis;
  }

  async add(partial: ReadonlyMap<string, RouteStats>, workloads: ReadonlyMap<string, number>, alerts: ReadonlyMap<string, { seen: number; alerts: number }>): Promise<void> {
    const ops: Promise<unknown>[] = [];
    for (const [route, stats] of partial) {
      ops.push(this.redis.sadd(this.keys.routes, route), this.redis.meshguardMergeStats(this.keys.route(route), encode(stats)));
    }
    for (const [w, n] of workloads) ops.push(this.redis.hincrby(this.keys.workloads, w, n));
    for (const [route, a] of alerts) ops.push(this.redis.hincrby(this.keys.alerts, `${route}|seen`, a.seen), this.redis.hincrby(this.keys.alerts, `${route}|alerts`, a.alerts));
    await Promise.all(ops);
  }

  async load() {
    const names = await this.redis.smembers(this.keys.routes);
    const all = await Promise.all(names.map((r) => this.redis.hgetall(this.keys.route(r))));
    const routes = new Map(names.map((r, i) => [r, decode(all[i]!)] as const));
    const workloads = new Map(Object.entries(await this.redis.hgetall(this.keys.workloads)).map(([k, v]) => [k, Number(v)] as const));
    return { routes, workloads };
  }

  async modes() {
    const [raw, alerts] = await Promise.all([this.redis.hgetall(this.keys.modes), this.redis.hgetall(this.keys.alerts)]);
    return new Map(Object.entries(raw).map(([route, json]) => {
      const m = JSON.parse(json) as RouteModeState;
      return [route, { ...m, seen: Number(alerts[`${route}|seen`] ?? 0), alerts: Number(alerts[`${route}|alerts`] ?? 0) }] as const;
    }));
  }

  async setModes(modes: ReadonlyMap<string, RouteModeState>): Promise<void> {
    const ops: Promise<unknown>[] = [];
    for (const [route, m] of modes) {
      ops.push(this.redis.hset(this.keys.modes, route, JSON.stringify({ mode: m.mode, since: m.since, seen: 0, alerts: 0 })));
      ops.push(this.redis.hset(this.keys.alerts, `${route}|seen`, m.seen, `${route}|alerts`, m.alerts));
    }
    await Promise.all(ops);
  }
}
