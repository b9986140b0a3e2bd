// The Redis a command talks to: --redis (or REDIS_URL) and --redis-prefix, checked before anything
// starts, with one flag text for every command that takes them.
import { DEFAULT_REDIS_PREFIX, redisPrefixProblem } from '../state/keys.js';
import { describeRedisUrl, redisUrlProblem, REDIS_URL_FORMS } from '../state/redis.js';
import { UsageError } from './args.js';
import type { FlagSpec, ParsedArgs } from './spec.js';

/** The URL forms, for a flag's help. */
export const REDIS_URL_HELP = `${REDIS_URL_FORMS.join(', ')} (Sentinel: the primary named MASTER, followed through failovers; Cluster: any of its nodes)`;

export const REDIS_PREFIX_FLAG: FlagSpec = {
  name: 'redis-prefix',
  value: 'PREFIX',
  default: DEFAULT_REDIS_PREFIX,
  help: 'the prefix of every Redis key and channel meshguard uses (rate limits, quarantine, learning); deployments that share a Redis and a policy name keep their state apart with different prefixes. The default is the names meshguard has always used',
};

/** The URL when usable; a UsageError naming where it came from (`--redis`, `REDIS_URL`) otherwise. */
export function redisUrlFlag(url: string, from: string): string {
  const problem = redisUrlProblem(url);
  if (problem !== null) throw new UsageError(`${from} ${describeRedisUrl(url)}: ${problem}`);
  return url;
}

/** --redis-prefix, checked. */
export function redisPrefixFlag(args: ParsedArgs): string {
  const prefix = args.string('redis-prefix') ?? DEFAULT_REDIS_PREFIX;
  const problem = redisPrefixProblem(prefix);
  if (problem !== null) throw new UsageError(`--redis-prefix "${prefix}": ${problem}`);
  return prefix;
}
