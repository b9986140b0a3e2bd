// The full decision the ext_authz server and `meshguard check` give: the pure policy decision,
// then rate limits (step 8) and the anomaly score (step 9). Holds the policy currently in force.
import { scoreWithModel, type AnomalyModel } from '../anomaly/model.js';
import type { CompiledPolicy } from '../policy/compiled.js';
import { badRequest, decide } from '../engine/decide.js';
import type { RateLimitResult, RateLimitStore } from './rate-limit.js';
import { CONTEXT_DIRECTION, CONTEXT_WORKLOAD, type CheckInput } from '../engine/request.js';
import type { QuarantineGuard } from './quarantine-guard.js';
import type { Decision, Verdict } from '../engine/verdict.js';
import { anomalyDenied } from '../engine/reasons.js';
import type { Trace } from '../engine/trace.js';

/** The anomaly score of a request and what contributed (detector ids with their field, model hits). */
export interface AnomalyScore {
  readonly score: number;
  readonly hits: readonly string[];
  /**
   * The score reaches the policy's threshold where it counts (the detectors anywhere, the learned
   * part on routes promoted to enforce): denied in enforce mode, reported in monitor mode.
   */
  readonly flagged: boolean;
}

export interface AuthzResult extends Verdict {
  readonly direction: 'inbound' | 'outbound';
  readonly source: string;
  readonly retryAfterSeconds: number | null;
  readonly anomaly: AnomalyScore | null;
  readonly dnsSuspicious: boolean;
  /** Denied because the source identity is quarantined. */
  readonly quarantined: boolean;
}

function result(d: Decision, input: CheckInput, anomaly: AnomalyScore | null): AuthzResult {
  return {
    decision: d.decision, status: d.status, rule: d.rule, reason: d.reason,
    direction: d.direction, source: input.source.principal, retryAfterSeconds: null, anomaly, dnsSuspicious: d.dnsSuspicious, quarantined: false,
  };
}

function limited(d: Decision, input: CheckInput, retryAfterSeconds: number): AuthzResult {
  return { ...result(d, input, null), decision: 'deny', status: 429, reason: `rate limit of segment ${d.rule} exceeded`, retryAfterSeconds };
}

export class Authorizer {
  constructor(
    private current: CompiledPolicy,
    private readonly rateLimits: RateLimitStore,
    private readonly now: () => number = Date.now,
    private readonly guard: QuarantineGuard | null = null,
  ) {}

  private model: AnomalyModel | null = null;

  /** The learned anomaly model in force (null: the detectors only). */
  setModel(model: AnomalyModel | null): void {
    this.model = model;
  }

  get policy(): CompiledPolicy {
    return this.current;
  }

  setPolicy(policy: CompiledPolicy): void {
    this.current = policy;
  }

  /**
   * Synchronous when the rate-limit store is; a Promise only when it must wait (e.g. Redis).
   * With a trace, every step (DESIGN.md's order, quarantine first) is written into it.
   */
  check(input: CheckInput, trace?: Trace): AuthzResult | Promise<AuthzResult> {
    const policy = this.current;
    const bad = badRequest(input);
    if (bad !== null) return result(bad, input, null);
    if (this.guard !== null && policy.quarantine !== null) {
      const blocked = this.quarantinedSource(policy, input);
      trace?.step(0, 'quarantine', blocked ? 'deny' : 'pass', blocked ? blocked.reason : 'the source identity is not quarantined');
      if (blocked) return blocked;
    } else trace?.step(0, 'quarantine', 'pass', policy.quarantine === null ? 'the policy has no response.quarantine' : 'no quarantine state here');
    const d = decide(policy, input, trace);
    if (d.decision === 'deny' || d.limited.length === 0) {
      if (d.decision === 'allow') trace?.step(8, 'rate limit', 'pass', d.direction === 'outbound' ? 'egress rules carry no rate limit' : d.rule === null ? 'allowed without a segment: no rate limit' : `segment ${d.rule} has no rateLimit`);
      return this.scored(policy, d, input, trace);
    }
    const key = input.source.principal || `ip:${input.source.address ?? 'unknown'}`;
    const nowMs = this.now();
    const taken = d.limited.map((s) => this.rateLimits.take(`${s.name}|${key}`, s.rateLimit!, nowMs));
    if (taken.every((t): t is RateLimitResult => !(t instanceof Promise))) return this.afterLimits(policy, d, input, taken, trace);
    return Promise.all(taken).then((all) => this.afterLimits(policy, d, input, all, trace));
  }

  /** A quarantined identity is denied as a source, inbound and (for its workloads) outbound. */
  private quarantinedSource(policy: CompiledPolicy, input: CheckInput): AuthzResult | null {
    const outbound = input.contextExtensions[CONTEXT_DIRECTION] === 'outbound';
    const named = outbound ? policy.workloads.get(input.contextExtensions[CONTEXT_WORKLOAD] ?? '') : undefined;
    const identity = named?.identity ?? input.source.principal;
    const entry = identity === '' ? null : this.guard!.quarantined(identity, this.now());
    if (!entry) return null;
    return {
      decision: 'deny', status: 403, rule: null, direction: outbound ? 'outbound' : 'inbound', source: input.source.principal,
      reason: `source ${identity} is quarantined until ${new Date(entry.until).toISOString()} (${entry.denied} of ${entry.total} requests denied, ${entry.anomalous} anomalous)`,
      retryAfterSeconds: null, anomaly: null, dnsSuspicious: false, quarantined: true,
    };
  }

  private afterLimits(policy: CompiledPolicy, d: Decision, input: CheckInput, taken: readonly RateLimitResult[], trace?: Trace): AuthzResult {
    let retry = 0;
    for (const t of taken) if (!t.allowed) retry = Math.max(retry, t.retryAfterSeconds);
    if (trace) {
      const limits = d.limited.map((s) => `${s.name}: ${s.rateLimit!.requestsPerSecond}/s, burst ${s.rateLimit!.burst}`).join('; ');
      trace.step(8, 'rate limit', retry > 0 ? 'deny' : 'pass', retry > 0 ? `${limits}: the bucket is empty (429, retry after ${retry} s)` : `${limits}: a token was taken`);
    }
    return retry > 0 ? limited(d, input, retry) : this.scored(policy, d, input, trace);
  }

  /**
   * Step 9. Detectors are known without learning, so they are enforced on every route; the
   * learned part of the score is enforced only on routes the learning loop promoted to enforce.
   */
  private scored(policy: CompiledPolicy, d: Decision, input: CheckInput, trace?: Trace): AuthzResult {
    const mode = policy.anomaly.mode;
    if (mode === 'off' || d.decision === 'deny' || d.direction !== 'inbound' || !input.http) {
      if (d.decision === 'allow') trace?.step(9, 'anomaly', 'pass', mode === 'off' ? 'anomaly.mode is off' : 'not scored (only inbound HTTP requests are)');
      return result(d, input, null);
    }
    const s = scoreWithModel(input.http, input.contextExtensions[CONTEXT_WORKLOAD] ?? null, this.model);
    const threshold = policy.anomaly.threshold;
    const enforced = s.detectorScore >= threshold || (s.mode === 'enforce' && s.score >= threshold);
    const anomaly: AnomalyScore = { score: s.score, hits: s.hits, flagged: enforced };
    trace?.step(9, 'anomaly', mode === 'enforce' && enforced ? 'deny' : 'pass',
      `anomaly.mode ${mode}, score ${s.score} (detectors ${s.detectorScore}${s.hits.length > 0 ? `: ${s.hits.join(', ')}` : ''}), threshold ${threshold}${enforced ? (mode === 'enforce' ? ': denied' : ': reported, not denied (monitor)') : ''}`);
    if (mode === 'enforce' && enforced) {
      return { ...result(d, input, anomaly), decision: 'deny', status: 403, rule: null, reason: anomalyDenied(s.score, threshold, s.hits) };
    }
    return result(d, input, anomaly);
  }
}
