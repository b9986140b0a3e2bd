import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { LocalRateLimitStore, type RateLimitResult } from '../../control-plane/authorizer/rate-limit.js';
import { RedisRateLimitStore } from '../../control-plane/state/rate-limit-redis.js';
import { connectRedis, type RedisClient } from '../../control-plane/state/redis.js';
import { REDIS_URL, sharedRedisAvailable } from '../helpers/redis.js';

const available = await sharedRedisAvailable();

describe.skipIf(!available)('the Redis rate-limit store (GCRA in one Lua script)', () => {
  let redis: RedisClient;
  let store: RedisRateLimitStore;
  const prefix = `mg:test:${randomUUID()}:`;
  const events: string[] = [];

  beforeAll(async () => {
    redis = connectRedis(REDIS_URL);
    store = new RedisRateLimitStore(redis, new LocalRateLimitStore(), prefix, { onDegraded: (d) => events.push(d ? 'down' : 'up'), onFallback: () => events.push('fallback') });
    await redis.connect();
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('allows the burst, then denies with a retry-after', async () => {
    const spec = { requestsPerSecond: 2, burst: 5 };
    const results: RateLimitResult[] = [];
    for (let i = 0; i < 7; i++) results.push(await store.take('burst', spec, Date.now()));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true, false, false]);
    expect(results[5]!.retryAfterSeconds).toBe(1);
    expect(events).not.toContain('fallback');
  });

  it('refills at the rate', async () => {
    // One token a second: the second take comes well within it even on a busy machine.
    const spec = { requestsPerSecond: 1, burst: 1 };
    expect((await store.take('refill', spec, 0)).allowed).toBe(true);
    expect((await store.take('refill', spec, 0)).allowed).toBe(false);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await store.take('refill', spec, 0)).allowed).toBe(true);
  });

  it('agrees across connections (what replicas share)', async () => {
    const other = connectRedis(REDIS_URL);
    await other.connect();
    const second = new RedisRateLimitStore(other, new LocalRateLimitStore(), prefix, { onDegraded: () => undefined, onFallback: () => undefined });
    const spec = { requestsPerSecond: 1, burst: 10 };
    const all = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? store : second).take('shared', spec, 0)));
    expect(all.filter((r) => r.allowed)).toHaveLength(10);
    other.disconnect();
  });

  it('gives idle keys a TTL so they expire', async () => {
    await store.take('ttl', { requestsPerSecond: 10, burst: 3 }, 0);
    const ttl = await redis.pttl(`${prefix}ttl`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1000 + 1000);
  });
});
