// `meshguard check`: CheckRequest JSONL in, one verdict line out per request, in input order.
import { toCheckInput, RequestFieldError } from '../authz/check-request.js';
import { Authorizer } from '../authorizer/authorizer.js';
import { LocalRateLimitStore, type RateLimitStore } from '../authorizer/rate-limit.js';
import { RedisRateLimitStore, rateLimitPrefix } from '../state/rate-limit-redis.js';
import { connectRedis, describeRedisUrl } from '../state/redis.js';
import { toVerdict } from '../engine/verdict.js';
import { formatDiagnostic } from '../policy/diagnostics.js';
import { loadCompiledPolicy } from '../policy/load.js';
import { parse, required } from './args.js';
import { answerLines } from './io.js';

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
async function sharedRateLimits(url: string, policyName: string): Promise<{ store: RateLimitStore; close(): void }> {
  const redis = connectRedis(url, 'meshguard-check');
  let warned = false;
  let closing = false;
  const store = new RedisRateLimitStore(redis, new LocalRateLimitStore(), rateLimitPrefix(policyName), {
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

export async function checkCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { policy: { type: 'string' }, requests: { type: 'string', default: '-' }, redis: { type: 'string' } });
  const loaded = await loadCompiledPolicy(required(values, 'policy'));
  for (const w of loaded.warnings) process.stderr.write(formatDiagnostic(w) + '\n');
  if (!loaded.ok) {
    for (const e of loaded.errors) process.stderr.write(formatDiagnostic(e) + '\n');
    return 1;
  }
  const shared = typeof values.redis === 'string' ? await sharedRateLimits(values.redis, loaded.compiled.name) : null;
  const authorizer = new Authorizer(loaded.compiled, shared?.store ?? new LocalRateLimitStore());
  const status = await answerLines(values.requests as string, (line, n) => checkLine(authorizer, line, n));
  shared?.close();
  return status;
}
