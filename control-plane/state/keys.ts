// Every Redis key and pub/sub channel meshguard uses, under one prefix (`--redis-prefix`, default
// `mg:`, which gives the names meshguard has always used). Two deployments that share a Redis and
// a policy name keep their state apart by prefix. On a Redis Cluster, the keys one Lua script
// touches together carry a hash tag ({…}) so that they land in one slot.
import { globEscape } from './redis.js';

export const DEFAULT_REDIS_PREFIX = 'mg:';

/** Why a key prefix cannot be used, or null. */
export function redisPrefixProblem(prefix: string): string | null {
  if (prefix === '') return 'the prefix is empty';
  if (prefix.length > 64) return 'the prefix is longer than 64 characters';
  if (!/^[\x21-\x7e]+$/.test(prefix)) return 'the prefix may hold only printable ASCII without spaces';
  // A brace would start a Cluster hash tag that splits keys a script needs in one slot.
  if (/[{}]/.test(prefix)) return 'the prefix may not hold { or }';
  return null;
}

export class RedisKeys {
  constructor(readonly prefix: string = DEFAULT_REDIS_PREFIX, private readonly cluster = false) {}

  /** Rate-limit buckets of one mesh (policy name); a bucket's key is this + `<segment>|<source>`. */
  rateLimits(policyName: string): string {
    return `${this.prefix}rl:${policyName}:`;
  }

  /** Telemetry stream, statistics and model of one mesh (policy name). */
  telemetry(policyName: string): string {
    return `${this.prefix}t:${policyName}:`;
  }

  /** Where quarantines and releases are announced to every replica. */
  get quarantineChannel(): string {
    return `${this.prefix}q:events`;
  }

  /** An identity's quarantine (JSON, TTL = the quarantine's length). */
  quarantineEntry(identity: string): string {
    return `${this.prefix}q:e:${this.tag(identity)}`;
  }

  /** SCAN pattern of every quarantine entry. */
  get quarantineEntries(): string {
    return `${globEscape(this.prefix)}q:e:*`;
  }

  /** An identity's decision counts in one window bucket (same slot as its entry). */
  quarantineCounter(bucket: number, identity: string): string {
    return `${this.prefix}q:c:${bucket}:${this.tag(identity)}`;
  }

  /** SCAN pattern of an identity's counters in every bucket. */
  quarantineCounters(identity: string): string {
    return `${globEscape(this.prefix)}q:c:*:${globEscape(this.tag(identity))}`;
  }

  private tag(identity: string): string {
    return this.cluster ? `{${identity}}` : identity;
  }
}
