// The Redis connection meshguard replicas share: fail fast while it is down (no offline queue,
// short command timeout) so callers can degrade, and reconnect on its own.
import { Redis, type Cluster } from 'ioredis';

/** A connection to one Redis (direct or through Sentinel) or to a Redis Cluster. */
export type RedisClient = Redis | Cluster;

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export function connectRedis(url: string, name = 'meshguard'): Redis {
  return new Redis(url, {
    connectionName: name,
    lazyConnect: true,
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 250,
    connectTimeout: 1000,
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000),
  });
}

/** Redacts the password of a redis:// URL for logs. */
export function describeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparsable redis url>';
  }
}
