// The segmentation graph of a compiled policy: workloads (grouped by namespace), the identities a
// segment admits that are not inventory workloads (a whole namespace, an exact principal, a prefix),
// external hosts and CIDRs; allowed calls and egress as edges labelled with methods, paths and ports.
import { patternText } from '../policy/compile.js';
import type { CompiledEgressRule, CompiledPolicy, CompiledRule, CompiledSegment } from '../policy/compiled.js';
import { identityNamespace } from '../canon/spiffe.js';

export type NodeKind = 'workload' | 'namespace' | 'principal' | 'prefix' | 'host' | 'cidr';

export interface GraphNode {
  readonly id: string;
  readonly kind: NodeKind;
  readonly label: string;
  /** Namespace, or OTHER_GROUP / EGRESS_GROUP. */
  readonly group: string;
  /** Longer text for tooltips. */
  readonly title: string;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: 'call' | 'egress';
  /** One entry per segment or egress rule that allows it: what it allows. */
  readonly rules: readonly { readonly name: string; readonly allows: string }[];
}

export interface SegmentationGraph {
  readonly policy: string;
  readonly version: string;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

export const OTHER_GROUP = '(other identities)';
export const EGRESS_GROUP = '(egress)';


function ruleText(r: CompiledRule): string {
  const parts = [r.methods ? [...r.methods].join(',') : '*'];
  if (r.paths) parts.push(r.paths.map(patternText).join(' '));
  if (r.ports) parts.push(`:${[...r.ports].join(',')}`);
  return parts.join(' ');
}

export function segmentAllows(s: CompiledSegment): string {
  return s.rules.length === 0 ? 'any request' : s.rules.map(ruleText).join(' | ');
}

export function egressAllows(r: CompiledEgressRule): string {
  return r.ports ? `:${[...r.ports].join(',')}` : 'any port';
}

class GraphBuilder {
  readonly nodes = new Map<string, GraphNode>();
  readonly edges = new Map<string, { from: string; to: string; kind: GraphEdge['kind']; rules: { name: string; allows: string }[] }>();

  constructor(private readonly policy: CompiledPolicy) {}

  node(id: string, kind: NodeKind, label: string, group: string, title = label): string {
    if (!this.nodes.has(id)) this.nodes.set(id, { id, kind, label, group, title });
    return id;
  }

  edge(from: string, to: string, kind: GraphEdge['kind'], name: string, allows: string): void {
    const key = `${from}\u0000${to}`;
    const e = this.edges.get(key) ?? this.edges.set(key, { from, to, kind, rules: [] }).get(key)!;
    if (!e.rules.some((r) => r.name === name)) e.rules.push({ name, allows });
  }

  /** The nodes standing for the sources a segment admits. */
  sources(s: CompiledSegment): string[] {
    const td = this.policy.trustDomain;
    const out: string[] = [];
    for (const identity of s.sources.identities) {
      const workloads = this.policy.workloadsByIdentity.get(identity);
      if (workloads) out.push(...workloads.map((w) => `w:${w.key}`));
      else out.push(this.node(`p:${identity}`, 'principal', identity.replace(/^spiffe:\/\/[^/]+\//, ''), identityNamespace(identity, td) ?? OTHER_GROUP, identity));
    }
    for (const ns of s.sources.namespaces) out.push(this.node(`ns:${ns}`, 'namespace', `${ns}/* (any identity)`, ns, `any identity of namespace ${ns}`));
    for (const prefix of s.sources.prefixes) {
      const label = prefix === '' ? '* (any identity)' : `${prefix.replace(/^spiffe:\/\/[^/]+\//, '')}*`;
      const ns = /^spiffe:\/\/[^/]+\/ns\/([^/]+)\//.exec(prefix)?.[1];
      out.push(this.node(`pp:${prefix}`, 'prefix', label, ns ?? OTHER_GROUP, `${prefix}*`));
    }
    return out;
  }
}

export function buildGraph(policy: CompiledPolicy): SegmentationGraph {
  const b = new GraphBuilder(policy);
  for (const w of policy.workloads.values()) b.node(`w:${w.key}`, 'workload', w.name, w.namespace, `${w.key} (${w.identity})`);
  for (const s of policy.segments) {
    const sources = b.sources(s);
    const allows = segmentAllows(s);
    for (const to of s.to) for (const from of sources) b.edge(from, `w:${to}`, 'call', s.name, allows);
  }
  for (const r of policy.egressRules) {
    const targets = [
      ...r.hosts.map((h) => b.node(`h:${h}`, 'host', h === '*' ? '* (any host)' : h, EGRESS_GROUP)),
      ...r.cidrList.map((c) => b.node(`c:${c.text}`, 'cidr', c.text, EGRESS_GROUP)),
    ];
    for (const from of r.from) for (const to of targets) b.edge(`w:${from}`, to, 'egress', r.name, egressAllows(r));
  }
  return { policy: policy.name, version: policy.version, nodes: [...b.nodes.values()], edges: [...b.edges.values()] };
}

/** A short label for an edge: what its rules allow, de-duplicated. */
export function edgeLabel(e: GraphEdge): string {
  return [...new Set(e.rules.map((r) => r.allows))].join('; ');
}
