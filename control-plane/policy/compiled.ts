// The compiled form: the only thing the engine, the filter configs and the xDS output read.
// Built once per policy version, frozen, and indexed per workload so that a decision is lookups.
import type { CidrSet, Cidr } from '../canon/ip.js';
import type { SourceSet } from '../canon/source-set.js';
import type { AnomalyLearning, AnomalyMode, DnsTunneling, Quarantine, RateLimit, Verdict } from './types.js';

/** Where a compiled entry came from (cilium's DerivedFromRules). */
export interface DerivedFrom {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export type PathPattern =
  | { readonly kind: 'any' }
  | { readonly kind: 'exact' | 'prefix' | 'suffix'; readonly value: string };

export interface CompiledRule {
  readonly methods: ReadonlySet<string> | null;
  readonly paths: readonly PathPattern[] | null;
  readonly ports: ReadonlySet<number> | null;
}

/** Who a segment admits: exact identities, whole namespaces of the trust domain, principal prefixes; `admits(identity)` is the one rule. */
export type { SourceSet } from '../canon/source-set.js';

export interface CompiledSegment {
  readonly index: number;
  readonly name: string;
  readonly sources: SourceSet;
  /** Empty: any request. */
  readonly rules: readonly CompiledRule[];
  readonly rateLimit: RateLimit | null;
  /** The verdict reason when this segment allows, built once. */
  readonly allowReason: string;
  /** Keys (`ns/name`) of the workloads its `to` selects. */
  readonly to: readonly string[];
  readonly derivedFrom: DerivedFrom;
}

export interface CompiledEgressRule {
  readonly index: number;
  readonly name: string;
  readonly exactHosts: ReadonlySet<string>;
  /** `*.x.com` kept as `.x.com`. */
  readonly hostSuffixes: readonly string[];
  readonly anyHost: boolean;
  readonly cidrs: CidrSet;
  readonly cidrList: readonly Cidr[];
  readonly ports: ReadonlySet<number> | null;
  readonly hosts: readonly string[];
  readonly from: readonly string[];
  /** The verdict reason when this rule allows, built once. */
  readonly allowReason: string;
  readonly derivedFrom: DerivedFrom;
}

/** Per destination workload: the segments whose `to` selects it. */
export interface InboundIndex {
  /** File order. Empty: no segment selects the workload, so `defaults.inbound` decides. */
  readonly segments: readonly CompiledSegment[];
}

export interface CompiledWorkload {
  readonly key: string;
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly identity: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly number[];
  readonly endpoints: readonly string[];
  readonly inbound: InboundIndex;
  /** File order. Empty: no egress rule selects the workload, so `defaults.egress` decides. */
  readonly egress: readonly CompiledEgressRule[];
}

export interface CompiledPolicy {
  readonly name: string;
  readonly file: string;
  /** Content hash of the policy's meaning; changes only when a decision could change. */
  readonly version: string;
  readonly trustDomain: string;
  readonly defaults: { readonly inbound: Verdict; readonly egress: Verdict; readonly mtls: 'strict' | 'permissive' };
  readonly meshDomains: readonly string[];
  readonly workloads: ReadonlyMap<string, CompiledWorkload>;
  readonly workloadsByIdentity: ReadonlyMap<string, readonly CompiledWorkload[]>;
  readonly segments: readonly CompiledSegment[];
  readonly egressRules: readonly CompiledEgressRule[];
  readonly blocklist: CidrSet;
  readonly blocklistCidrs: readonly string[];
  readonly anomaly: { readonly mode: AnomalyMode; readonly threshold: number; readonly learning: AnomalyLearning };
  readonly dnsTunneling: DnsTunneling;
  readonly quarantine: Quarantine | null;
}
