// Policy → compiled form (parse → resolve selectors → distill per-workload lookups).
import { createHash } from 'node:crypto';
import { CidrSet, parseCidr, type Cidr } from '../canon/ip.js';
import type {
  CompiledEgressRule, CompiledPolicy, CompiledRule, CompiledSegment, CompiledWorkload, DerivedFrom, InboundIndex, PathPattern,
} from './compiled.js';
import { SourceSet } from '../canon/source-set.js';
import { isNamespaceOnly, selectWorkloads } from './selectors.js';
import { workloadIdentity } from '../canon/spiffe.js';
import type { EgressRule, Policy, Segment, SegmentRule, Workload } from './types.js';

export interface Position { readonly line: number; readonly col: number }

/** Where segments and egress rules were written, for `derivedFrom`; absent for policies built in code. */
export interface CompileOrigin {
  readonly file: string;
  /** Looked up only when a `derivedFrom` position is read (finding a position can cost a full parse). */
  readonly positionOf?: (list: 'segments' | 'egress', index: number) => Position;
  /** The positions found already (plain data, so the origin can cross to another thread). */
  readonly positions?: { readonly segments: readonly Position[]; readonly egress: readonly Position[] };
}

/** A source position computed on first read. */
class LazyDerivedFrom implements DerivedFrom {
  private resolved: { line: number; col: number } | null = null;
  constructor(readonly file: string, private readonly find: () => { line: number; col: number }) {}
  get line(): number {
    return (this.resolved ??= this.find()).line;
  }
  get col(): number {
    return (this.resolved ??= this.find()).col;
  }
}

function keyOf(w: Workload): string {
  return `${w.namespace}/${w.name}`;
}

function identityOf(policy: Policy, w: Workload): string {
  return workloadIdentity(policy.spec.trustDomain, w.namespace, w.serviceAccount);
}

/** The pattern as written in a policy (the inverse of compilePathPattern). */
export function patternText(p: PathPattern): string {
  switch (p.kind) {
    case 'any': return '*';
    case 'exact': return p.value;
    case 'prefix': return `${p.value}*`;
    case 'suffix': return `*${p.value}`;
  }
}

export function compilePathPattern(pattern: string): PathPattern {
  if (pattern === '*') return { kind: 'any' };
  if (pattern.endsWith('*')) return { kind: 'prefix', value: pattern.slice(0, -1) };
  if (pattern.startsWith('*')) return { kind: 'suffix', value: pattern.slice(1) };
  return { kind: 'exact', value: pattern };
}

function compileRule(rule: SegmentRule): CompiledRule {
  return Object.freeze({
    methods: rule.methods ? new Set(rule.methods) : null,
    paths: rule.paths ? Object.freeze(rule.paths.map(compilePathPattern)) : null,
    ports: rule.ports ? new Set(rule.ports) : null,
  });
}

function compileSources(policy: Policy, segment: Segment): SourceSet {
  const identities = new Set<string>();
  const namespaces = new Set<string>();
  const prefixes: string[] = [];
  for (const entry of segment.from) {
    if (entry.principals) {
      for (const p of entry.principals) {
        if (p.endsWith('*')) prefixes.push(p === '*' ? '' : p.slice(0, -1));
        else identities.add(p);
      }
    } else if (isNamespaceOnly(entry)) {
      namespaces.add(entry.namespace!);
    } else {
      for (const w of selectWorkloads(entry, policy.spec.workloads)) identities.add(identityOf(policy, w));
    }
  }
  return new SourceSet(policy.spec.trustDomain, identities, namespaces, prefixes);
}

function origin(o: CompileOrigin, list: 'segments' | 'egress', i: number): DerivedFrom {
  const known = o.positions?.[list][i];
  if (known) return Object.freeze({ file: o.file, line: known.line, col: known.col });
  const find = o.positionOf;
  return find ? new LazyDerivedFrom(o.file, () => find(list, i)) : Object.freeze({ file: o.file, line: 0, col: 0 });
}

function compileSegment(policy: Policy, segment: Segment, index: number, derivedFrom: DerivedFrom): CompiledSegment {
  return Object.freeze({
    index,
    name: segment.name,
    sources: compileSources(policy, segment),
    rules: Object.freeze(segment.rules.map(compileRule)),
    rateLimit: segment.rateLimit ?? null,
    allowReason: `allowed by segment ${segment.name}`,
    to: Object.freeze(selectWorkloads(segment.to, policy.spec.workloads).map(keyOf)),
    derivedFrom,
  });
}

function compileEgressRule(policy: Policy, rule: EgressRule, index: number, derivedFrom: DerivedFrom): CompiledEgressRule {
  const cidrList = rule.cidrs.map((c) => parseCidr(c) as Cidr);
  return Object.freeze({
    index,
    name: rule.name,
    exactHosts: new Set(rule.hosts.filter((h) => !h.startsWith('*'))),
    hostSuffixes: Object.freeze(rule.hosts.filter((h) => h.startsWith('*.')).map((h) => h.slice(1))),
    anyHost: rule.hosts.includes('*'),
    cidrs: new CidrSet(cidrList),
    cidrList: Object.freeze(cidrList),
    ports: rule.ports ? new Set(rule.ports) : null,
    hosts: Object.freeze([...rule.hosts]),
    from: Object.freeze(selectWorkloads(rule.from, policy.spec.workloads).map(keyOf)),
    allowReason: `allowed by egress rule ${rule.name}`,
    derivedFrom,
  });
}

function pushTo<K>(map: Map<K, CompiledSegment[]>, key: K, segment: CompiledSegment): void {
  const list = map.get(key);
  if (!list) map.set(key, [segment]);
  else if (list[list.length - 1] !== segment) list.push(segment);
}

function buildInboundIndex(segments: readonly CompiledSegment[]): InboundIndex {
  return Object.freeze({ segments: Object.freeze([...segments]) });
}

/** A hash of what the policy means (not of its comments or layout). */
export function policyVersion(policy: Policy): string {
  return createHash('sha256').update(JSON.stringify(policy)).digest('hex').slice(0, 16);
}

export function compilePolicy(policy: Policy, o: CompileOrigin = { file: '<memory>' }): CompiledPolicy {
  const spec = policy.spec;
  const segments = spec.segments.map((s, i) => compileSegment(policy, s, i, origin(o, 'segments', i)));
  const egressRules = spec.egress.map((e, i) => compileEgressRule(policy, e, i, origin(o, 'egress', i)));
  const inboundOf = new Map<string, CompiledSegment[]>();
  for (const s of segments) for (const key of s.to) pushTo(inboundOf, key, s);
  const egressOf = new Map<string, CompiledEgressRule[]>();
  for (const r of egressRules) for (const key of r.from) (egressOf.get(key) ?? egressOf.set(key, []).get(key)!).push(r);

  const workloads = new Map<string, CompiledWorkload>();
  const workloadsByIdentity = new Map<string, CompiledWorkload[]>();
  for (const w of spec.workloads) {
    const compiled: CompiledWorkload = Object.freeze({
      key: keyOf(w), name: w.name, namespace: w.namespace, serviceAccount: w.serviceAccount,
      identity: identityOf(policy, w), labels: Object.freeze({ ...w.labels }),
      ports: Object.freeze([...w.ports]), endpoints: Object.freeze([...w.endpoints]),
      inbound: buildInboundIndex(inboundOf.get(keyOf(w)) ?? []),
      egress: Object.freeze(egressOf.get(keyOf(w)) ?? []),
    });
    workloads.set(compiled.key, compiled);
    const same = workloadsByIdentity.get(compiled.identity);
    if (same) same.push(compiled);
    else workloadsByIdentity.set(compiled.identity, [compiled]);
  }
  const blocklistCidrs = spec.blocklist.cidrs.map((c) => parseCidr(c) as Cidr);
  return Object.freeze({
    name: policy.metadata.name,
    file: o.file,
    version: policyVersion(policy),
    trustDomain: spec.trustDomain,
    defaults: Object.freeze({ ...spec.defaults }),
    meshDomains: Object.freeze([...spec.meshDomains]),
    workloads,
    workloadsByIdentity,
    segments: Object.freeze(segments),
    egressRules: Object.freeze(egressRules),
    blocklist: new CidrSet(blocklistCidrs),
    blocklistCidrs: Object.freeze([...spec.blocklist.cidrs]),
    anomaly: Object.freeze({ ...spec.anomaly }),
    dnsTunneling: Object.freeze({ ...spec.dnsTunneling }),
    quarantine: spec.response?.quarantine ?? null,
  });
}
