// A Redis URL given on the command line (or in REDIS_URL): checked before anything starts.
import { redisUrlProblem } from '../state/redis.js';
import { UsageError } from './args.js';

/** The URL when usable; a UsageError naming where it came from (`--redis`, `REDIS_URL`) otherwise. */
export function redisUrlFlag(url: string, from: string): string {
  const problem = redisUrlProblem(url);
  if (problem !== null) throw new UsageError(`${from} ${url}: ${problem}`);
  return url;
}
