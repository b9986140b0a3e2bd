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
  /** The verified source identity, "" when none. */
  readonly source: string;
  /** Allowing segments that carry a rate limit (one per destination workload). */
  readonly limited: readonly CompiledSegment[];
  /** Egress: the host name looked suspicious for DNS tunnelling (reported, maybe denied). */
  readonly dnsSuspicious: boolean;
}

export function allow(direction: Decision['direction'], source: string, rule: string | null, reason: string, limited: readonly CompiledSegment[] = []): Decision {
  return { decision: 'allow', status: 200, rule, reason, direction, source, limited, dnsSuspicious: false };
}

export function deny(direction: Decision['direction'], source: string, status: 400 | 403, rule: string | null, reason: string): Decision {
  return { decision: 'deny', status, rule, reason, direction, source, limited: [], dnsSuspicious: false };
}

/** The four fields of the CLI contract, in its key order. */
export function toVerdict(v: Verdict): Verdict {
  return { decision: v.decision, status: v.status, rule: v.rule, reason: v.reason };
}
