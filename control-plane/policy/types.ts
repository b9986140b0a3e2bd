// The policy document as operators write it (after schema validation and defaults).

export type Verdict = 'allow' | 'deny';
export type AnomalyMode = 'off' | 'monitor' | 'enforce';

export interface SelectorExpression {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

export interface Selector {
  readonly namespace?: string;
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly SelectorExpression[];
}

export interface FromEntry extends Selector {
  readonly principals?: readonly string[];
}

export interface Workload {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly number[];
  readonly endpoints: readonly string[];
}

export interface SegmentRule {
  readonly methods?: readonly string[];
  readonly paths?: readonly string[];
  readonly ports?: readonly number[];
}

export interface RateLimit {
  readonly requestsPerSecond: number;
  readonly burst: number;
}

export interface Segment {
  readonly name: string;
  readonly to: Selector;
  readonly from: readonly FromEntry[];
  readonly rules: readonly SegmentRule[];
  readonly rateLimit?: RateLimit;
}

export interface EgressRule {
  readonly name: string;
  readonly from: Selector;
  readonly hosts: readonly string[];
  readonly cidrs: readonly string[];
  readonly ports?: readonly number[];
}

export interface DnsTunneling {
  readonly mode: AnomalyMode;
  readonly maxLabelLength: number;
  readonly maxLabels: number;
  readonly entropyMinLength: number;
  readonly maxEntropy: number;
}

/** How a route's learned baseline is promoted: learn → monitor → enforce (NeuVector-style). */
export interface AnomalyLearning {
  /** Requests a route needs before its baseline is used (learn → monitor). */
  readonly minRequests: number;
  /** Time in monitor before a quiet route is enforced. */
  readonly monitorForSeconds: number;
  /** A route is quiet when at most this fraction of its requests in monitor scored as anomalies. */
  readonly maxAlertRatio: number;
}

export interface Quarantine {
  /** Quarantine when this fraction of a source's requests in the window were denied (null: not used). */
  readonly denyRatio: number | null;
  /** Quarantine when this fraction scored at or above the anomaly threshold (null: not used). */
  readonly anomalyRatio: number | null;
  readonly minRequests: number;
  readonly windowSeconds: number;
  readonly forSeconds: number;
}

export interface PolicySpec {
  readonly trustDomain: string;
  readonly defaults: { readonly inbound: Verdict; readonly egress: Verdict; readonly mtls: 'strict' | 'permissive' };
  readonly meshDomains: readonly string[];
  readonly workloads: readonly Workload[];
  readonly segments: readonly Segment[];
  readonly egress: readonly EgressRule[];
  readonly blocklist: { readonly cidrs: readonly string[] };
  readonly anomaly: { readonly mode: AnomalyMode; readonly threshold: number; readonly learning: AnomalyLearning };
  readonly dnsTunneling: DnsTunneling;
  readonly response?: { readonly quarantine?: Quarantine };
}

export interface Policy {
  readonly apiVersion: 'meshguard.io/v1alpha1';
  readonly kind: 'MeshPolicy';
  readonly metadata: { readonly name: string };
  readonly spec: PolicySpec;
}
