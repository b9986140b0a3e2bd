// Real Redis for tests: the machine's server on 127.0.0.1:6379, or throwaway servers on free ports
// (bench/lib/redis-server.ts, shared with the benchmarks).
import { freePort, ping, startRedisServer, type RedisServer } from '../../bench/lib/redis-server.js';

export { freePort, startRedisServer, type RedisServer };

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Whether the shared Redis answers. With MESHGUARD_REQUIRE_REDIS=1 (set by .ci/run) its absence is
 * an error, so Redis tests fail instead of being skipped.
 */
export async function sharedRedisAvailable(): Promise<boolean> {
  const url = new URL(REDIS_URL);
  const ok = await ping(Number(url.port || 6379), url.hostname);
  if (!ok && process.env.MESHGUARD_REQUIRE_REDIS === '1') throw new Error(`MESHGUARD_REQUIRE_REDIS=1 but Redis does not answer at ${REDIS_URL}`);
  return ok;
}
