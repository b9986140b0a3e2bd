// Rate limits shared by every replica: one atomic GCRA script per decision in Redis (the
// theoretical arrival time per key, with a TTL so idle keys expire), auto-pipelined by ioredis.
// While Redis is unreachable or stalled the per-process store decides (a circuit breaker: one
// command timeout, then at once), and Redis takes over again on its first answer.
import type { RedisClient } from './redis.js';
import { CircuitBreaker, DEFAULT_COOL_DOWN_MS, type BreakerStats } from './breaker.js';
import type { RateLimitResult, RateLimitSpec, RateLimitStore } from '../authorizer/rate-limit.js';

// GCRA, equivalent to a token bucket of capacity `burst` refilled at `rate`. Redis's clock is the
// only clock, so replicas with skewed clocks still agree. Times in microseconds.
const GCRA_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local wait = tat - now - tolerance
if wait > 0 then return {0, math.ceil(wait / 1000000)} end
local next = tat + interval
redis.call('SET', KEYS[1], next, 'PX', math.ceil((next - now) / 1000) + 1000)
return {1, 0}
`;

type GcraRedis = RedisClient & { meshguardGcra(key: string, interval: number, tolerance: number): Promise<[number, number]> };

export interface RedisStoreEvents {
  /** Redis became unreachable (true) or usable again (false). */
  onDegraded(degraded: boolean, reason: string): void;
  /** A decision was made by the per-process fallback. */
  onFallback(): void;
}

export class RedisRateLimitStore implements RateLimitStore {
  readonly kind = 'redis';
  private readonly redis: GcraRedis;
  private readonly breaker: CircuitBreaker;
  /** null until the first connection attempt resolves either way. */
  private degraded: boolean | null = null;

  constructor(redis: RedisClient, private readonly fallback: RateLimitStore, private readonly prefix: string, private readonly events: RedisStoreEvents, coolDownMs = DEFAULT_COOL_DOWN_MS) {
    redis.defineCommand('meshguardGcra', { numberOfKeys: 1, lua: GCRA_SCRIPT });
    this.redis = redis as GcraRedis;
    this.breaker = new CircuitBreaker({ coolDownMs, probe: () => redis.ping() }, {
      onChange: (open, reason) => this.setDegraded(open, reason),
    });
    redis.on('ready', () => {
      this.breaker.succeeded('redis ready');
      this.setDegraded(false, 'redis ready');
    });
    redis.on('end', () => this.breaker.failed('redis connection ended'));
    redis.on('error', (err: Error) => this.breaker.failed(err.message));
  }

  get isDegraded(): boolean {
    return this.degraded !== false || this.breaker.isOpen;
  }

  take(key: string, limit: RateLimitSpec, nowMs: number): RateLimitResult | Promise<RateLimitResult> {
    if (this.redis.status !== 'ready' && !this.breaker.isOpen) this.breaker.failed(`redis ${this.redis.status}`);
    const interval = 1_000_000 / limit.requestsPerSecond;
    return this.breaker.run(
      () => this.redis.meshguardGcra(this.prefix + key, interval, interval * (limit.burst - 1))
        .then(([allowed, retry]) => ({ allowed: allowed === 1, retryAfterSeconds: allowed === 1 ? 0 : Math.max(1, retry) })),
      () => this.local(key, limit, nowMs),
    );
  }

  /** How often and how long decisions fell back to per-process buckets (the breaker's own record). */
  get fallbackStats(): BreakerStats {
    return this.breaker.stats();
  }

  /** Stops the breaker's background probe (the connection is closed by its owner). */
  close(): void {
    this.breaker.stop();
  }

  private local(key: string, limit: RateLimitSpec, nowMs: number): RateLimitResult | Promise<RateLimitResult> {
    this.events.onFallback();
    return this.fallback.take(key, limit, nowMs);
  }

  private setDegraded(degraded: boolean, reason: string): void {
    if (degraded === this.degraded) return;
    this.degraded = degraded;
    this.events.onDegraded(degraded, reason);
  }
}
