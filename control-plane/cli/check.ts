// `meshguard check`: CheckRequest JSONL in, one verdict line out per request, in input order.
import { toCheckInput, RequestFieldError } from '../authz/check-request.js';
import { Authorizer } from '../authorizer/authorizer.js';
import { LocalRateLimitStore, type RateLimitStore } from '../authorizer/rate-limit.js';
import { RedisKeys } from '../state/keys.js';
import { RedisRateLimitStore } from '../state/rate-limit-redis.js';
import { connectRedis, describeRedisUrl, isCluster } from '../state/redis.js';
import { toVerdict } from '../engine/verdict.js';
import { answerLines } from './io.js';
import { loadPolicyForCommand } from './policy.js';
import { REDIS_PREFIX_FLAG, REDIS_URL_HELP, redisPrefixFlag, redisUrlFlag } from './redis-url.js';
import type { CommandSpec, FlagSpec } from './spec.js';

/** Decides one JSONL line; a bad line becomes `{"error": ...}` naming the line and the field. */
export function checkLine(authorizer: Authorizer, line: string, lineNumber: number): string | Promise<string> {
  let request: unknown;
  try {
    request = JSON.parse(line);
  } catch (err) {
    return JSON.stringify({ error: `line ${lineNumber}: invalid JSON: ${(err as Error).message}` });
  }
  let result;
  try {
    result = authorizer.check(toCheckInput(request));
  } catch (err) {
    if (err instanceof RequestFieldError) return JSON.stringify({ error: `line ${lineNumber}: ${err.message}` });
    throw err;
  }
  return result instanceof Promise ? result.then((r) => JSON.stringify(toVerdict(r))) : JSON.stringify(toVerdict(result));
}

/** Rate limits in Redis (shared with `serve` replicas); falls back to in-process buckets, with a warning. */
async function sharedRateLimits(url: string, prefix: string, policyName: string): Promise<{ store: RateLimitStore; close(): void }> {
  const redis = connectRedis(url, 'meshguard-check');
  let warned = false;
  let closing = false;
  const store = new RedisRateLimitStore(redis, new LocalRateLimitStore(), new RedisKeys(prefix, isCluster(redis)).rateLimits(policyName), {
    onDegraded(degraded, reason) {
      if (!degraded || warned || closing) return;
      warned = true;
      process.stderr.write(`meshguard check: Redis ${describeRedisUrl(url)} unreachable (${reason}); rate limits are in-process\n`);
    },
    onFallback: () => undefined,
  });
  await redis.connect().catch(() => undefined);
  return { store, close: () => { closing = true; store.close(); redis.disconnect(); } };
}

/** The flags `check`, `replay` and `explain` share. */
export const POLICY_FLAG: FlagSpec = { name: 'policy', value: 'FILE', required: true, help: 'the MeshPolicy YAML file' };
export const REQUESTS_FLAG: FlagSpec = { name: 'requests', value: 'FILE|-', default: '-', help: 'Envoy CheckRequests in proto3 JSON, one per line (JSONL); - reads stdin' };

export const REQUESTS_HELP = `Each input line is one Envoy CheckRequest (proto3 JSON, lowerCamelCase or original field names).
Each output line is {"decision":"allow"|"deny","status":200|400|403|429,"rule":NAME|null,"reason":TEXT},
in input order; a bad line gets {"error":"line N: <field>: <what>"}, the rest are still decided,
and the exit status is 2. Example (one line):
  echo '{"attributes":{"source":{"principal":"spiffe://cluster.local/ns/shop/sa/frontend"},"destination":{"address":{"socketAddress":{"address":"10.1.0.20","portValue":8080}}},"request":{"http":{"method":"GET","path":"/api/items"}},"contextExtensions":{"meshguard.io/workload":"shop/api"}}}' | npx meshguard check --policy examples/shop.yaml`;

export const command: CommandSpec = {
  name: 'check',
  summary: 'decide CheckRequests as the ext_authz server does',
  description: "Decides each CheckRequest with the engine the ext_authz server uses (the same steps, rate limits and anomaly score) and prints one verdict line per request. Rate limits are in-process unless --redis is given.",
  flags: [
    POLICY_FLAG, REQUESTS_FLAG,
    { name: 'redis', value: 'URL', help: `share rate-limit buckets with serve replicas through this Redis: ${REDIS_URL_HELP}; in-process when absent or unreachable` },
    REDIS_PREFIX_FLAG,
  ],
  details: REQUESTS_HELP,
  async run(args) {
    const redis = args.string('redis');
    if (redis !== undefined) redisUrlFlag(redis, '--redis');
    const prefix = redisPrefixFlag(args);
    const loaded = await loadPolicyForCommand(args.need('policy'));
    if (!loaded.ok) return loaded.status;
    const shared = redis !== undefined ? await sharedRateLimits(redis, prefix, loaded.compiled.name) : null;
    const authorizer = new Authorizer(loaded.compiled, shared?.store ?? new LocalRateLimitStore());
    try {
      return await answerLines(args.need('requests'), (line, n) => checkLine(authorizer, line, n));
    } finally {
      shared?.close();
    }
  },
};
