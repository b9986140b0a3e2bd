// The envoyproxy/ratelimit peer (bench/peers/ratelimit, built through scripts/build-peers.sh) on
// the shared Redis, configured from examples/shop.yaml: two replicas share one fixed window of
// web-to-api's 50 requests per second per source, and other sources have their own.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPeers } from '../../bench/peers/binaries.js';
import { RatelimitClient, startRatelimit, type Ratelimit } from '../../bench/peers/ratelimit.js';
import { loadCompiledPolicy } from '../../control-plane/policy/load.js';
import { EXAMPLE_POLICY } from '../helpers/cli.js';
import { REDIS_URL, sharedRedisAvailable } from '../helpers/redis.js';

const REDIS_URL_PARSED = new URL(REDIS_URL);
const REDIS = `${REDIS_URL_PARSED.hostname}:${REDIS_URL_PARSED.port || 6379}`;
const BUILD_TIMEOUT_MS = 15 * 60_000;
const haveRedis = await sharedRedisAvailable();

describe.runIf(haveRedis)('envoyproxy/ratelimit peer, two replicas on one Redis', () => {
  let dir: string;
  const replicas: Ratelimit[] = [];
  const clients: RatelimitClient[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshguard-ratelimit-test-'));
    await buildPeers(['ratelimit']);
    const loaded = await loadCompiledPolicy(EXAMPLE_POLICY);
    if (!loaded.ok) throw new Error('the example policy does not compile');
    const keyPrefix = `mg-test-ratelimit-${randomUUID().slice(0, 8)}:`;
    for (const i of [0, 1]) {
      const d = join(dir, `replica-${i}`);
      await mkdir(d);
      const r = await startRatelimit(loaded.compiled, d, { redis: REDIS, keyPrefix });
      replicas.push(r);
      const c = new RatelimitClient(r.grpcPort, r.domain);
      clients.push(c);
      await c.waitForReady();
    }
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all(replicas.map((r) => r.stop()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('admits 50 per second window for one source across both replicas', async () => {
    // Retried until one batch is answered inside a single whole second (a slow machine may not).
    for (let attempt = 0; attempt < 5; attempt++) {
      await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
      const source = `spiffe://cluster.local/ns/shop/sa/test-${randomUUID().slice(0, 8)}`;
      const second = Math.floor(Date.now() / 1000);
      const answers = await Promise.all(Array.from({ length: 80 }, (_, i) => clients[i % 2]!.shouldRateLimit('web-to-api', source)));
      if (Math.floor(Date.now() / 1000) !== second) continue;
      expect(answers.filter(Boolean).length).toBe(50);
      // Another source has a window of its own.
      expect(await clients[0]!.shouldRateLimit('web-to-api', `${source}-other`)).toBe(true);
      return;
    }
    throw new Error('no batch of 80 calls was answered within one second in 5 attempts');
  }, 60_000);
});
