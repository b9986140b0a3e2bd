// Shared state for `meshguard serve`: the Redis connection and the rate-limit store built on it.
// Without Redis meshguard still serves, with per-process limits, and says so (log, /readyz, metrics).
import { Counter, Gauge } from 'prom-client';
import { LocalRateLimitStore, type RateLimitStore } from '../../authorizer/rate-limit.js';
import type { Component, ServeContext } from '../component.js';
import { DEFAULT_REDIS_PREFIX, RedisKeys } from '../../state/keys.js';
import { connectRedis, describeRedisUrl, isCluster, type RedisClient } from '../../state/redis.js';
import { RedisRateLimitStore } from '../../state/rate-limit-redis.js';

/** A store that forwards to whatever the state component decides (local until Redis is set up). */
class SwitchableStore implements RateLimitStore {
  target: RateLimitStore = new LocalRateLimitStore();
  get kind(): string {
    return this.target.kind;
  }
  take(...args: Parameters<RateLimitStore['take']>): ReturnType<RateLimitStore['take']> {
    return this.target.take(...args);
  }
}

export interface StateComponent extends Component {
  readonly rateLimits: RateLimitStore;
  /** The shared Redis connection once started; null without Redis. */
  redis(): RedisClient | null;
  /** The names of meshguard's keys and channels in that Redis (prefix, Cluster hash tags). */
  keys(): RedisKeys;
}

export function stateComponent(): StateComponent {
  const rateLimits = new SwitchableStore();
  let shared: RedisClient | null = null;
  let keys = new RedisKeys();
  return {
    name: 'state',
    rateLimits,
    redis: () => shared,
    keys: () => keys,
    async start(ctx: ServeContext) {
      const url = ctx.options.redisUrl;
      const prefix = ctx.options.redisPrefix ?? DEFAULT_REDIS_PREFIX;
      if (url === null) {
        // Asked for (--redis none): ready, not degraded; /status and the log say what it means.
        ctx.logger.info({ event: 'redis_disabled' }, 'Redis off (--redis none): rate limits, quarantine counts and learning are per process');
        ctx.status.set('redis', () => ({ url: null, status: 'off', degraded: false }));
        return { close: async () => undefined };
      }
      const registers = [ctx.metrics.registry];
      const up = new Gauge({ name: 'meshguard_redis_up', help: '1 while Redis answers, 0 while rate limits fall back to per-process buckets', registers });
      const fallbacks = new Counter({ name: 'meshguard_ratelimit_fallback_total', help: 'Rate-limit decisions made per process because Redis was unreachable', registers });
      const redis = connectRedis(url);
      shared = redis;
      keys = new RedisKeys(prefix, isCluster(redis));
      const shown = describeRedisUrl(url);
      let closing = false;
      const store = new RedisRateLimitStore(redis, new LocalRateLimitStore(), keys.rateLimits(ctx.policies.current.name), {
        onDegraded(degraded, reason) {
          if (closing) return;
          up.set(degraded ? 0 : 1);
          if (degraded) ctx.logger.error({ event: 'redis_down', redis: shown, reason }, 'Redis unreachable: rate limits fall back to per-process buckets');
          else ctx.logger.info({ event: 'redis_up', redis: shown }, 'Redis reachable: rate limits are shared again');
        },
        onFallback: () => fallbacks.inc(),
      });
      rateLimits.target = store;
      up.set(0);
      await redis.connect().catch((err: Error) => ctx.logger.error({ event: 'redis_down', redis: shown, reason: err.message }, 'Redis unreachable at start: rate limits are per process until it answers'));
      ctx.readiness.push({ name: 'redis', check: () => null, degraded: () => (store.isDegraded ? `${shown} unreachable; rate limits are per process` : null) });
      ctx.status.set('redis', () => ({ url: shown, prefix, status: redis.status, degraded: store.isDegraded, fallback: store.fallbackStats }));
      return {
        async close() {
          closing = true;
          store.close();
          redis.disconnect();
        },
      };
    },
  };
}
