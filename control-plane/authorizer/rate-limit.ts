// Rate limits: token buckets per (segment, source). The store is an interface so that a Redis
// store shared by replicas can replace the in-process one.

export interface RateLimitSpec {
  readonly requestsPerSecond: number;
  readonly burst: number;
}

export interface RateLimitResult {
  readonly allowed: boolean;
  /** Seconds until a token is available; 0 when allowed. */
  readonly retryAfterSeconds: number;
}

export interface RateLimitStore {
  /** Takes one token from the bucket `key`; sync for in-process stores, async for remote ones. */
  take(key: string, limit: RateLimitSpec, nowMs: number): RateLimitResult | Promise<RateLimitResult>;
  /** A short label for logs and metrics ("local", "redis"). */
  readonly kind: string;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

const ALLOWED: RateLimitResult = Object.freeze({ allowed: true, retryAfterSeconds: 0 });

/** Token-bucket arithmetic shared by every store: refill since the last update, then take one. */
export function takeToken(bucket: Bucket, limit: RateLimitSpec, nowMs: number): RateLimitResult {
  const elapsed = Math.max(0, nowMs - bucket.updatedMs) / 1000;
  bucket.tokens = Math.min(limit.burst, bucket.tokens + elapsed * limit.requestsPerSecond);
  bucket.updatedMs = nowMs;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return ALLOWED;
  }
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / limit.requestsPerSecond)) };
}

/** Per-process buckets; idle buckets that have refilled are dropped so memory stays bounded. */
export class LocalRateLimitStore implements RateLimitStore {
  readonly kind = 'local';
  private readonly buckets = new Map<string, Bucket & { limit: RateLimitSpec }>();

  constructor(private readonly maxBuckets = 100_000) {}

  take(key: string, limit: RateLimitSpec, nowMs: number): RateLimitResult {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxBuckets) this.sweep(nowMs);
      bucket = { tokens: limit.burst, updatedMs: nowMs, limit };
      this.buckets.set(key, bucket);
    }
    bucket.limit = limit;
    return takeToken(bucket, limit, nowMs);
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(nowMs: number): void {
    for (const [key, b] of this.buckets) {
      const refilled = b.tokens + ((nowMs - b.updatedMs) / 1000) * b.limit.requestsPerSecond;
      if (refilled >= b.limit.burst) this.buckets.delete(key);
    }
    // Still full of active buckets: drop the oldest half rather than grow without bound.
    if (this.buckets.size >= this.maxBuckets) {
      let drop = this.buckets.size >> 1;
      for (const key of this.buckets.keys()) {
        if (drop-- <= 0) break;
        this.buckets.delete(key);
      }
    }
  }
}
