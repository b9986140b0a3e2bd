// The Redis connection meshguard replicas share: fail fast while it is down (no offline queue,
// short command timeout) so callers can degrade, and reconnect on its own.
import { Redis, type Cluster } from 'ioredis';

/** A connection to one Redis (direct or through Sentinel) or to a Redis Cluster. */
export type RedisClient = Redis | Cluster;

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** URL schemes meshguard connects to; other forms (Sentinel, Cluster) add theirs here. */
export const REDIS_URL_SCHEMES: readonly string[] = ['redis:', 'rediss:'];

/** Why a Redis URL cannot be used, or null when it can. */
export function redisUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `not a URL (expected ${REDIS_URL_SCHEMES.map((s) => `${s}//HOST:PORT`).join(' or ')})`;
  }
  if (!REDIS_URL_SCHEMES.includes(u.protocol)) return `unsupported scheme ${u.protocol} (expected ${REDIS_URL_SCHEMES.join(', ')})`;
  if (u.hostname === '') return 'no host';
  return null;
}

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
