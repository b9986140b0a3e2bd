// Where learned statistics and route modes live: in Redis, shared by replicas (each adds its own
// share; sums and ORs merge in one Lua script per route), or in memory for a single process.
import type { Redis } from 'ioredis';
import type { RouteMode } from '../anomaly/model.js';
import { BINS, RouteStats } from '../anomaly/stats.js';
import { FEATURE_NAMES } from '../anomaly/features.js';

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


// ARGV[1] = JSON {n, h: {index: increment}, p: {name: [count, m0, m1, m2, m3, maxLength]}}.
const MERGE_SCRIPT = `
local d = cjson.decode(ARGV[1])
redis.call('HINCRBY', KEYS[1], 'n', d.n)
for i, inc in pairs(d.h) do redis.call('HINCRBY', KEYS[1], 'h' .. i, inc) end
for name, p in pairs(d.p) do
  redis.call('HINCRBY', KEYS[1], 'pn:' .. name, p[1])
  for i = 0, 3 do
    local f = 'pm' .. i .. ':' .. name
    local cur = tonumber(redis.call('HGET', KEYS[1], f) or '0')
    redis.call('HSET', KEYS[1], f, bit.bor(cur, p[2 + i]))
  end
  local lf = 'pl:' .. name
  if tonumber(redis.call('HGET', KEYS[1], lf) or '0') < p[6] then redis.call('HSET', KEYS[1], lf, p[6]) end
end
return 1
`;

type MergeRedis = Redis & { meshguardMergeStats(key: string, json: string): Promise<number> };

function encode(stats: RouteStats): string {
  const h: Record<string, number> = {};
  stats.histogram.forEach((n, i) => { if (n > 0) h[i] = n; });
  const p: Record<string, number[]> = {};
  for (const [name, s] of stats.params) p[name] = [s.count, ...Array.from(s.mask, (w) => w | 0), s.maxLength];
  return JSON.stringify({ n: stats.count, h, p });
}

function decode(fields: Record<string, string>): RouteStats {
  const stats = new RouteStats();
  stats.count = Number(fields.n ?? 0);
  const params = new Map<string, { count: number; mask: Uint32Array; maxLength: number }>();
  const param = (name: string) => params.get(name) ?? params.set(name, { count: 0, mask: new Uint32Array(4), maxLength: 0 }).get(name)!;
  for (const [field, value] of Object.entries(fields)) {
    if (field.startsWith('h')) {
      const i = Number(field.slice(1));
      if (i >= 0 && i < FEATURE_NAMES.length * BINS) stats.histogram[i] = Number(value);
    } else if (field.startsWith('pn:')) param(field.slice(3)).count = Number(value);
    else if (field.startsWith('pl:')) param(field.slice(3)).maxLength = Number(value);
    else if (field.startsWith('pm')) param(field.slice(field.indexOf(':') + 1)).mask[Number(field[2])] = Number(value) >>> 0;
  }
  for (const [name, p] of params) stats.addParam(name, p.count, p.mask, p.maxLength);
  return stats;
}

export class RedisStatsStore implements StatsStore {
  private readonly redis: MergeRedis;

  private readonly keys: { routes: string; workloads: string; modes: string; alerts: string; route: (r: string) => string };

  /** `prefix` keeps one mesh's statistics apart from another's in a shared Redis (e.g. `mg:t:shop:`). */
  constructor(redis: Redis, prefix: string) {
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
