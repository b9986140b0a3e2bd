// envoyproxy/ratelimit's configuration (config/<domain>.yaml) written from a compiled meshguard
// policy: one descriptor per rate-limited segment, keyed like meshguard's buckets, per
// (segment, source identity). A fixed window has no burst: `burst` has no equivalent and is left
// out (the benchmark reports what each limiter admits).
import { stringify } from 'yaml';
import type { CompiledPolicy } from '../../control-plane/policy/compiled.js';
import type { RateLimit } from '../../control-plane/policy/types.js';

export const SEGMENT_KEY = 'segment';
export const SOURCE_KEY = 'source';

type Unit = 'second' | 'minute' | 'hour' | 'day';
const UNITS: readonly [Unit, number][] = [['second', 1], ['minute', 60], ['hour', 3600], ['day', 86400]];

/** The smallest unit in which the rate is a whole number of requests. */
export function fixedWindowOf(limit: RateLimit): { unit: Unit; requests_per_unit: number } {
  for (const [unit, seconds] of UNITS) {
    const perUnit = limit.requestsPerSecond * seconds;
    if (Number.isInteger(perUnit) && perUnit >= 1) return { unit, requests_per_unit: perUnit };
  }
  throw new Error(`requestsPerSecond ${limit.requestsPerSecond} is not a whole number of requests per second, minute, hour or day`);
}

export function ratelimitDomain(policy: CompiledPolicy): string {
  return `meshguard-${policy.name}`;
}

export interface RatelimitConfig {
  readonly domain: string;
  readonly descriptors: readonly {
    readonly key: string;
    readonly value: string;
    readonly descriptors: readonly { readonly key: string; readonly rate_limit: ReturnType<typeof fixedWindowOf> }[];
  }[];
}

export function ratelimitConfig(policy: CompiledPolicy): RatelimitConfig {
  const descriptors = policy.segments
    .filter((s) => s.rateLimit !== null)
    .map((s) => ({ key: SEGMENT_KEY, value: s.name, descriptors: [{ key: SOURCE_KEY, rate_limit: fixedWindowOf(s.rateLimit!) }] }));
  if (descriptors.length === 0) throw new Error(`${policy.file}: no segment has a rateLimit`);
  return { domain: ratelimitDomain(policy), descriptors };
}

/** The file text, with where it came from. */
export function ratelimitYaml(policy: CompiledPolicy): string {
  return `# Generated from ${policy.name} (version ${policy.version}) by bench/peers/ratelimit-config.ts; burst has no fixed-window equivalent.\n${stringify(ratelimitConfig(policy))}`;
}
