import type { CompiledSegment } from '../policy/compiled.js';

export type Status = 200 | 400 | 403 | 429;

/** The CLI's and the servers' answer for one request. */
export interface Verdict {
  readonly decision: 'allow' | 'deny';
  readonly status: Status;
  /** The segment or egress rule that decided; null for defaults and checks that are not rules. */
  readonly rule: string | null;
  readonly reason: string;
}

/** A verdict from the pure policy decision, before rate limits and anomaly scoring. */
export interface Decision extends Verdict {
  readonly direction: 'inbound' | 'outbound';
  /** Allowing segments that carry a rate limit (one per destination workload). */
  readonly limited: readonly CompiledSegment[];
  /** Egress: the host name looked suspicious for DNS tunnelling (reported, maybe denied). */
  readonly dnsSuspicious: boolean;
}

const NO_LIMITS: readonly CompiledSegment[] = Object.freeze([]);

export function allow(direction: Decision['direction'], rule: string | null, reason: string, limited: readonly CompiledSegment[] = NO_LIMITS): Decision {
  return { decision: 'allow', status: 200, rule, reason, direction, limited, dnsSuspicious: false };
}

export function deny(direction: Decision['direction'], status: 400 | 403, rule: string | null, reason: string): Decision {
  return { decision: 'deny', status, rule, reason, direction, limited: NO_LIMITS, dnsSuspicious: false };
}

/** One shared, frozen decision per allowing rule: allows on the hot path allocate nothing. */
const allowed = new WeakMap<object, Decision>();

export function allowedBy(rule: { readonly name: string; readonly allowReason: string }, direction: Decision['direction'], limitedBy: CompiledSegment | null = null): Decision {
  let d = allowed.get(rule);
  if (!d) allowed.set(rule, (d = Object.freeze(allow(direction, rule.name, rule.allowReason, limitedBy ? Object.freeze([limitedBy]) : NO_LIMITS))));
  return d;
}

/** The same for decisions that depend only on a key object (e.g. a workload's default). */
export function memoized(key: object, make: () => Decision): Decision {
  let d = allowed.get(key);
  if (!d) allowed.set(key, (d = Object.freeze(make())));
  return d;
}

/** The four fields of the CLI contract, in its key order. */
export function toVerdict(v: Verdict): Verdict {
  return { decision: v.decision, status: v.status, rule: v.rule, reason: v.reason };
}
