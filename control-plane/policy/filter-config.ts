// The JSON plugin configuration of one workload's wasm filters (identity, egress, anomaly),
// emitted from the compiled policy. assembly/README.md documents the same format.
import { SIGNATURES } from '../anomaly/signatures.js';
import type { CompiledPolicy, CompiledRule, CompiledSegment, CompiledWorkload, PathPattern } from './compiled.js';
import type { AnomalyMode, DnsTunneling, RateLimit, Verdict } from './types.js';

export interface FilterRule {
  methods?: string[];
  paths?: string[];
  ports?: number[];
}

export interface FilterSegment {
  name: string;
  principals: string[];
  principalPrefixes: string[];
  namespaces: string[];
  rules: FilterRule[];
  rateLimit?: RateLimit;
}

export interface FilterEgressRule {
  name: string;
  hosts: string[];
  cidrs: string[];
  ports?: number[];
}

export interface FilterConfig {
  version: string;
  workload: string;
  identity: string;
  trustDomain: string;
  inbound: { mtls: 'strict' | 'permissive'; selected: boolean; default: Verdict; blocklist: string[]; segments: FilterSegment[] };
  egress: { selected: boolean; default: Verdict; meshDomains: string[]; blocklist: string[]; rules: FilterEgressRule[]; dnsTunneling: DnsTunneling };
  anomaly: { mode: AnomalyMode; threshold: number; signatures: { id: string; points: number; patterns: string[] }[] };
}

function patternText(p: PathPattern): string {
  switch (p.kind) {
    case 'any': return '*';
    case 'exact': return p.value;
    case 'prefix': return `${p.value}*`;
    case 'suffix': return `*${p.value}`;
  }
}

function filterRule(rule: CompiledRule): FilterRule {
  const out: FilterRule = {};
  if (rule.methods) out.methods = [...rule.methods];
  if (rule.paths) out.paths = rule.paths.map(patternText);
  if (rule.ports) out.ports = [...rule.ports];
  return out;
}

function filterSegment(s: CompiledSegment): FilterSegment {
  return {
    name: s.name,
    principals: [...s.sources.identities].sort(),
    principalPrefixes: [...s.sources.prefixes],
    namespaces: [...s.sources.namespaces].sort(),
    rules: s.rules.map(filterRule),
    ...(s.rateLimit ? { rateLimit: { ...s.rateLimit } } : {}),
  };
}

export function filterConfigFor(policy: CompiledPolicy, workload: CompiledWorkload): FilterConfig {
  return {
    version: policy.version,
    workload: workload.key,
    identity: workload.identity,
    trustDomain: policy.trustDomain,
    inbound: {
      mtls: policy.defaults.mtls,
      selected: workload.inbound.segments.length > 0,
      default: policy.defaults.inbound,
      blocklist: [...policy.blocklistCidrs],
      segments: workload.inbound.segments.map(filterSegment),
    },
    egress: {
      selected: workload.egress.length > 0,
      default: policy.defaults.egress,
      meshDomains: [...policy.meshDomains],
      blocklist: [...policy.blocklistCidrs],
      rules: workload.egress.map((r) => ({
        name: r.name, hosts: [...r.hosts], cidrs: r.cidrList.map((c) => c.text), ...(r.ports ? { ports: [...r.ports] } : {}),
      })),
      dnsTunneling: { ...policy.dnsTunneling },
    },
    anomaly: {
      mode: policy.anomaly.mode,
      threshold: policy.anomaly.threshold,
      signatures: SIGNATURES.map((s) => ({ id: s.id, points: s.points, patterns: [...s.patterns] })),
    },
  };
}
