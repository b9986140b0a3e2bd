// The full decision the ext_authz server and `meshguard check` give: the pure policy decision,
// then rate limits (step 8) and the anomaly score (step 9). Holds the policy currently in force.
import { scoreRequest, type AnomalyScore } from '../anomaly/score.js';
import type { CompiledPolicy } from '../policy/compiled.js';
import { decide } from './decide.js';
import type { RateLimitResult, RateLimitStore } from './rate-limit.js';
import type { CheckInput } from './request.js';
import type { Decision, Verdict } from './verdict.js';

export interface AuthzResult extends Verdict {
  readonly direction: 'inbound' | 'outbound';
  readonly source: string;
  readonly retryAfterSeconds: number | null;
  readonly anomaly: AnomalyScore | null;
  readonly dnsSuspicious: boolean;
}

function result(d: Decision, anomaly: AnomalyScore | null): AuthzResult {
  return {
    decision: d.decision, status: d.status, rule: d.rule, reason: d.reason,
    direction: d.direction, source: d.source, retryAfterSeconds: null, anomaly, dnsSuspicious: d.dnsSuspicious,
  };
}

function limited(d: Decision, retryAfterSeconds: number): AuthzResult {
  return { ...result(d, null), decision: 'deny', status: 429, reason: `rate limit of segment ${d.rule} exceeded`, retryAfterSeconds };
}

export class Authorizer {
  constructor(
    private current: CompiledPolicy,
    private readonly rateLimits: RateLimitStore,
    private readonly now: () => number = Date.now,
  ) {}

  get policy(): CompiledPolicy {
    return this.current;
  }

  setPolicy(policy: CompiledPolicy): void {
    this.current = policy;
  }

  /** Synchronous when the rate-limit store is; a Promise only when it must wait (e.g. Redis). */
  check(input: CheckInput): AuthzResult | Promise<AuthzResult> {
    const policy = this.current;
    const d = decide(policy, input);
    if (d.decision === 'deny' || d.limited.length === 0) return this.scored(policy, d, input);
    const key = input.source.principal || `ip:${input.source.address ?? 'unknown'}`;
    const nowMs = this.now();
    const taken = d.limited.map((s) => this.rateLimits.take(`${s.name}|${key}`, s.rateLimit!, nowMs));
    if (taken.every((t): t is RateLimitResult => !(t instanceof Promise))) return this.afterLimits(policy, d, input, taken);
    return Promise.all(taken).then((all) => this.afterLimits(policy, d, input, all));
  }

  private afterLimits(policy: CompiledPolicy, d: Decision, input: CheckInput, taken: readonly RateLimitResult[]): AuthzResult {
    let retry = 0;
    for (const t of taken) if (!t.allowed) retry = Math.max(retry, t.retryAfterSeconds);
    return retry > 0 ? limited(d, retry) : this.scored(policy, d, input);
  }

  private scored(policy: CompiledPolicy, d: Decision, input: CheckInput): AuthzResult {
    const mode = policy.anomaly.mode;
    if (mode === 'off' || d.decision === 'deny' || d.direction !== 'inbound' || !input.http) return result(d, null);
    const anomaly = scoreRequest(input.http);
    if (mode === 'enforce' && anomaly.score >= policy.anomaly.threshold) {
      return {
        ...result(d, anomaly), decision: 'deny', status: 403, rule: null,
        reason: `anomaly score ${anomaly.score} reaches threshold ${policy.anomaly.threshold} (${anomaly.hits.join(', ')})`,
      };
    }
    return result(d, anomaly);
  }
}
