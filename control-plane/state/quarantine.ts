// Automatic isolation of a misbehaving source identity (policy `response.quarantine`): when the
// share of its requests that were denied (or scored as anomalous) over a window crosses the line,
// its calls are denied everywhere for a while. Counters and entries live in Redis so every replica
// agrees; a pub/sub message makes the others act at once. Without Redis it works per process.
import type { QuarantineEntry, QuarantineGuard } from '../authorizer/quarantine-guard.js';
import type { Quarantine } from '../policy/types.js';
import { RedisKeys } from './keys.js';
import { scanKeys, type RedisClient } from './redis.js';

export type { QuarantineEntry };

// Adds this replica's counts to the window, then decides on the sliding estimate
// (current bucket + the previous one weighted by how much of it is still inside the window).
// Its three keys are one identity's, hash-tagged into one slot on a Cluster (RedisKeys).
const OBSERVE_SCRIPT = `
if redis.call('EXISTS', KEYS[3]) == 1 then return {2, 0, 0, 0} end
redis.call('HINCRBY', KEYS[1], 't', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'd', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'a', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[9])
local cur = redis.call('HMGET', KEYS[1], 't', 'd', 'a')
local prev = redis.call('HMGET', KEYS[2], 't', 'd', 'a')
local w = tonumber(ARGV[4])
local function v(x) return tonumber(x or 0) or 0 end
local total = v(cur[1]) + w * v(prev[1])
local denied = v(cur[2]) + w * v(prev[2])
local anomalous = v(cur[3]) + w * v(prev[3])
local denyRatio = tonumber(ARGV[6])
local anomalyRatio = tonumber(ARGV[7])
if total >= tonumber(ARGV[5]) and ((denyRatio > 0 and denied / total >= denyRatio) or (anomalyRatio > 0 and anomalous / total >= anomalyRatio)) then
  local now = tonumber(ARGV[10])
  local entry = cjson.encode({identity = ARGV[11], since = now, ['until'] = now + tonumber(ARGV[8]), total = math.floor(total), denied = math.floor(denied), anomalous = math.floor(anomalous)})
  if redis.call('SET', KEYS[3], entry, 'PX', ARGV[8], 'NX') then return {1, entry} end
  return {2, 0, 0, 0}
end
return {0, math.floor(total), math.floor(denied), math.floor(anomalous)}
`;

interface Counts { total: number; denied: number; anomalous: number }

type ObserveRedis = RedisClient & { meshguardQuarantine(cur: string, prev: string, entry: string, ...args: (string | number)[]): Promise<[number, string | number, ...number[]]> };

export interface QuarantineEvents {
  onQuarantined(entry: QuarantineEntry): void;
  onReleased(identity: string, why: 'expired' | 'released'): void;
}

/** The sliding-window arithmetic, shared by the Redis script's in-process twin. */
export function crosses(rule: Quarantine, c: Counts): boolean {
  if (c.total < rule.minRequests || c.total === 0) return false;
  return (rule.denyRatio !== null && c.denied / c.total >= rule.denyRatio) || (rule.anomalyRatio !== null && c.anomalous / c.total >= rule.anomalyRatio);
}

export class QuarantineService implements QuarantineGuard {
  private readonly entries = new Map<string, QuarantineEntry>();
  private pending = new Map<string, Counts>();
  /** In-process windows, used when there is no Redis or it is down. */
  private readonly localWindows = new Map<string, { bucket: number; cur: Counts; prev: Counts }>();

  constructor(
    private readonly redis: RedisClient | null,
    private readonly rule: () => Quarantine | null,
    private readonly events: QuarantineEvents,
    private readonly now: () => number = Date.now,
    private readonly keys: RedisKeys = new RedisKeys(),
  ) {
    redis?.defineCommand('meshguardQuarantine', { numberOfKeys: 3, lua: OBSERVE_SCRIPT });
  }

  quarantined(identity: string, nowMs: number): QuarantineEntry | null {
    if (this.entries.size === 0) return null;
    const e = this.entries.get(identity);
    return e && e.until > nowMs ? e : null;
  }

  list(): QuarantineEntry[] {
    const now = this.now();
    return [...this.entries.values()].filter((e) => e.until > now);
  }

  /** Counts one decision about `identity`; cheap, flushed in batches. */
  observe(identity: string, denied: boolean, anomalous: boolean): void {
    if (identity === '' || !this.rule()) return;
    const c = this.pending.get(identity) ?? this.pending.set(identity, { total: 0, denied: 0, anomalous: 0 }).get(identity)!;
    c.total++;
    if (denied) c.denied++;
    if (anomalous) c.anomalous++;
  }

  /** Sends the batched counts and decides; run every few hundred milliseconds. */
  async flush(): Promise<void> {
    const rule = this.rule();
    if (!rule || this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const now = this.now();
    const windowMs = rule.windowSeconds * 1000;
    const bucket = Math.floor(now / windowMs);
    const weight = 1 - (now % windowMs) / windowMs;
    const useRedis = this.redis !== null && this.redis.status === 'ready';
    for (const [identity, w] of this.localWindows) if (w.bucket < bucket - 1) this.localWindows.delete(identity);
    await Promise.all([...batch].map(async ([identity, c]) => {
      if (this.quarantined(identity, now)) return;
      if (useRedis) {
        try {
          return await this.observeInRedis(rule, identity, c, bucket, weight, now);
        } catch {
          // Redis failed mid-flight: decide in process for this batch.
        }
      }
      this.observeLocally(rule, identity, c, bucket, weight, now);
    }));
  }

  private async observeInRedis(rule: Quarantine, identity: string, c: Counts, bucket: number, weight: number, now: number): Promise<void> {
    const r = this.redis as ObserveRedis;
    const [state, entry] = await r.meshguardQuarantine(
      this.keys.quarantineCounter(bucket, identity), this.keys.quarantineCounter(bucket - 1, identity), this.keys.quarantineEntry(identity),
      c.total, c.denied, c.anomalous, weight, rule.minRequests, rule.denyRatio ?? -1, rule.anomalyRatio ?? -1,
      Math.round(rule.forSeconds * 1000), Math.round(rule.windowSeconds * 2000), now, identity,
    );
    if (state !== 1) return;
    const quarantined = JSON.parse(String(entry)) as QuarantineEntry;
    await r.publish(this.keys.quarantineChannel, JSON.stringify({ type: 'quarantine', entry: quarantined }));
    this.apply(quarantined);
  }

  private observeLocally(rule: Quarantine, identity: string, c: Counts, bucket: number, weight: number, now: number): void {
    const zero = (): Counts => ({ total: 0, denied: 0, anomalous: 0 });
    let w = this.localWindows.get(identity);
    if (!w || w.bucket < bucket - 1) w = { bucket, cur: zero(), prev: zero() };
    else if (w.bucket === bucket - 1) w = { bucket, cur: zero(), prev: w.cur };
    this.localWindows.set(identity, w);
    w.cur.total += c.total;
    w.cur.denied += c.denied;
    w.cur.anomalous += c.anomalous;
    const sliding = { total: w.cur.total + weight * w.prev.total, denied: w.cur.denied + weight * w.prev.denied, anomalous: w.cur.anomalous + weight * w.prev.anomalous };
    if (!crosses(rule, sliding)) return;
    this.apply({ identity, since: now, until: now + rule.forSeconds * 1000, total: Math.floor(sliding.total), denied: Math.floor(sliding.denied), anomalous: Math.floor(sliding.anomalous) });
  }

  /** Adopts an entry (own decision, another replica's message, or a refresh). */
  apply(entry: QuarantineEntry): void {
    const known = this.entries.get(entry.identity);
    if (known && known.since === entry.since) return;
    this.entries.set(entry.identity, entry);
    this.events.onQuarantined(entry);
  }

  forget(identity: string, why: 'expired' | 'released'): void {
    if (this.entries.delete(identity)) this.events.onReleased(identity, why);
    this.localWindows.delete(identity);
  }

  /** Drops expired entries, and (with Redis) re-reads the authoritative set. */
  async refresh(): Promise<void> {
    const now = this.now();
    for (const e of [...this.entries.values()]) if (e.until <= now) this.forget(e.identity, 'expired');
    if (!this.redis || this.redis.status !== 'ready') return;
    const redis = this.redis;
    // One GET per entry (auto-pipelined): an MGET of keys in several Cluster slots is refused.
    const values = await Promise.all((await scanKeys(redis, this.keys.quarantineEntries)).map((key) => redis.get(key)));
    const live = new Set<string>();
    values.forEach((v) => {
      if (v === null) return;
      const entry = JSON.parse(v) as QuarantineEntry;
      live.add(entry.identity);
      this.apply(entry);
    });
    for (const identity of [...this.entries.keys()]) if (!live.has(identity)) this.forget(identity, 'released');
  }

  /** Releases an identity everywhere (Redis entry, counters, other replicas). */
  async release(identity: string): Promise<boolean> {
    const known = this.entries.has(identity);
    const removed = this.redis !== null && this.redis.status === 'ready' && await releaseInRedis(this.redis, this.keys, identity);
    this.forget(identity, 'released');
    return known || removed;
  }
}

/**
 * Ends an identity's quarantine in Redis: its entry and its window counters (so it starts from
 * zero), announced to every replica. Whether an entry was there.
 */
export async function releaseInRedis(redis: RedisClient, keys: RedisKeys, identity: string): Promise<boolean> {
  const removed = await redis.del(keys.quarantineEntry(identity));
  // One slot per identity, but SCAN must visit every Cluster primary to find the counters.
  const counters = await scanKeys(redis, keys.quarantineCounters(identity));
  if (counters.length > 0) await redis.del(...counters);
  await redis.publish(keys.quarantineChannel, JSON.stringify({ type: 'release', identity }));
  return removed > 0;
}
