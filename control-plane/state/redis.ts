// The Redis connection meshguard replicas share: fail fast while it is down (no offline queue,
// short command timeout) so callers can degrade, and reconnect on its own. One server, a primary
// found through Sentinel (which follows a failover), or a Redis Cluster (see redis-url.ts).
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { parseRedisUrl, redactRedisUrl, redisUrlProblem, REDIS_URL_FORMS } from './redis-url.js';

export { parseRedisUrl, redisUrlProblem, REDIS_URL_FORMS };
/** The URL with its password replaced by ***, for logs and errors. */
export { redactRedisUrl as describeRedisUrl };

/** A connection to one Redis (direct or through Sentinel) or to a Redis Cluster. */
export type RedisClient = Redis | Cluster;

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Per-connection settings: fail fast, reconnect with a capped back-off. */
function connectionOptions(name: string): RedisOptions {
  return {
    connectionName: name,
    lazyConnect: true,
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 250,
    connectTimeout: 1000,
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000),
  };
}

/** Connects lazily (call `connect()`); throws on a URL that redisUrlProblem rejects. */
export function connectRedis(url: string, name = 'meshguard'): RedisClient {
  const parsed = parseRedisUrl(url);
  if (!parsed.ok) throw new Error(`Redis URL ${redactRedisUrl(url)}: ${parsed.problem}`);
  const target = parsed.target;
  const options = connectionOptions(name);
  if (target.kind === 'single') return new Redis(url, options);
  const auth = { ...(target.username !== undefined ? { username: target.username } : {}), ...(target.password !== undefined ? { password: target.password } : {}) };
  if (target.kind === 'sentinel') {
    return new Redis({
      ...options, ...auth,
      sentinels: target.sentinels.map((s) => ({ host: s.host, port: s.port })),
      name: target.master,
      db: target.db,
      // Sentinel's +switch-master reconnects at once, rather than on the next failed command.
      failoverDetector: true,
      // A primary demoted under the client answers writes with READONLY: ask the sentinels again.
      reconnectOnError: (err) => err.message.startsWith('READONLY'),
      // After a primary dies the sentinels need their down-after time to promote a replica; retry
      // often enough that the client finds the new primary within half a second of the switch.
      retryStrategy: (attempt) => Math.min(100 * attempt, 500),
      sentinelRetryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000),
      sentinelCommandTimeout: 500,
    });
  }
  const clusterOptions: ClusterOptions = {
    lazyConnect: true,
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRedirections: 4,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    slotsRefreshTimeout: 1000,
    clusterRetryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000),
    // Per node: the cluster decides reconnects (on MOVED, a slots refresh), each command still fails fast.
    redisOptions: { connectionName: name, commandTimeout: options.commandTimeout, connectTimeout: options.connectTimeout, maxRetriesPerRequest: 0, ...auth },
  };
  return new Cluster(target.nodes.map((n) => ({ host: n.host, port: n.port })), clusterOptions);
}

/** Whether the client talks to a Redis Cluster (multi-key commands then need same-slot keys). */
export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/** Another connection to the same Redis (pub/sub, blocking reads), with some settings changed. */
export function duplicateRedis(client: RedisClient, overrides: Partial<RedisOptions> = {}): RedisClient {
  if (!isCluster(client)) return client.duplicate(overrides);
  return client.duplicate([], { redisOptions: { ...client.options.redisOptions, ...overrides } });
}

/** Every key matching `pattern` (SCAN on each primary of a Cluster). */
export async function scanKeys(client: RedisClient, pattern: string): Promise<string[]> {
  const nodes: Redis[] = isCluster(client) ? client.nodes('master') : [client];
  const found = await Promise.all(nodes.map(async (node) => {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  }));
  return found.flat();
}

/** A glob pattern that matches `text` literally (for SCAN MATCH). */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
