// The data document that bench/peers/opa-envoy/policy/meshguard.rego decides on, written from a
// compiled meshguard policy: selectors resolved into identities, namespaces and principal prefixes
// per segment, segment and egress-rule indices per workload (file order), so that a decision in
// Rego is lookups. Policies that enforce what the Rego policy does not do are refused.
import { formatIP, parseCidr, type Cidr } from '../../control-plane/canon/ip.js';
import type { CompiledEgressRule, CompiledPolicy, CompiledRule, CompiledSegment, PathPattern } from '../../control-plane/policy/compiled.js';

type Flags = Record<string, true>;

interface OpaRule {
  readonly methods: readonly string[] | null;
  readonly paths: readonly PathPattern[] | null;
  readonly ports: readonly number[] | null;
}

interface OpaSegment {
  readonly name: string;
  readonly identities: Flags;
  readonly namespaces: Flags;
  readonly prefixes: readonly string[];
  readonly rules: readonly OpaRule[];
}

interface OpaEgressRule {
  readonly name: string;
  readonly hosts: Flags;
  readonly host_suffixes: readonly string[];
  readonly any_host: boolean;
  readonly cidrs: OpaCidrs;
  readonly ports: readonly number[] | null;
}

export interface OpaPolicyData {
  readonly policy: string;
  readonly trust_domain: string;
  readonly mtls: 'strict' | 'permissive';
  readonly default_inbound: 'allow' | 'deny';
  readonly default_egress: 'allow' | 'deny';
  readonly mesh_domains: readonly string[];
  readonly blocklist: OpaCidrs;
  readonly segments: readonly OpaSegment[];
  readonly egress: readonly OpaEgressRule[];
  readonly workloads: Record<string, { readonly segments: readonly number[]; readonly egress: readonly number[] }>;
  readonly by_identity: Record<string, readonly string[]>;
}

/** Loaded at the root of OPA's data: the Rego policy reads `data.meshguard.policy`. */
export interface OpaData {
  readonly meshguard: { readonly policy: OpaPolicyData };
}

function flags(values: Iterable<string>): Flags {
  const out: Flags = {};
  for (const v of values) out[v] = true;
  return out;
}

/**
 * A CIDR list in the forms Go's net.ParseCIDR reads (`address/prefix`; meshguard also accepts a
 * bare address). meshguard reads an IPv6 address that carries an IPv4 one (IPv4-translated, NAT64,
 * IPv4-compatible, 6to4; canon/ip.ts embeddedIPv4) as that IPv4 address, Go only the
 * IPv4-mapped form: each IPv4 block is also given in the other forms.
 */
export interface OpaCidrs {
  readonly plain: readonly string[];
  readonly embedded: readonly string[];
  /** ::a.b.c.d/…: the Rego policy leaves :: and ::1 out, as meshguard does. */
  readonly compatible: readonly string[];
}

function cidrs(list: readonly Cidr[]): OpaCidrs {
  const plain: string[] = [];
  const embedded: string[] = [];
  const compatible: string[] = [];
  for (const c of list) {
    const text = formatIP(c.ip);
    plain.push(`${text}/${c.prefix}`);
    if (c.ip.v !== 4) continue;
    const v6 = 96 + c.prefix;
    const hex = (n: number) => n.toString(16);
    embedded.push(`::ffff:0:${text}/${v6}`, `64:ff9b::${text}/${v6}`, `2002:${hex(c.ip.value >>> 16)}:${hex(c.ip.value & 0xffff)}::/${16 + c.prefix}`);
    compatible.push(`::${text}/${v6}`);
  }
  return { plain, embedded, compatible };
}

function rule(r: CompiledRule): OpaRule {
  return {
    methods: r.methods ? [...r.methods] : null,
    paths: r.paths ? r.paths.map((p) => ({ ...p })) : null,
    ports: r.ports ? [...r.ports] : null,
  };
}

function segment(s: CompiledSegment): OpaSegment {
  return {
    name: s.name,
    identities: flags(s.sources.identities),
    namespaces: flags(s.sources.namespaces),
    prefixes: [...s.sources.prefixes],
    rules: s.rules.map(rule),
  };
}

function egressRule(r: CompiledEgressRule): OpaEgressRule {
  return {
    name: r.name,
    hosts: flags(r.exactHosts),
    host_suffixes: [...r.hostSuffixes],
    any_host: r.anyHost,
    cidrs: cidrs(r.cidrList),
    ports: r.ports ? [...r.ports] : null,
  };
}

/** Throws when the policy asks for something the Rego policy cannot decide the same way. */
function refuseUnsupported(p: CompiledPolicy): void {
  if (p.anomaly.mode === 'enforce') throw new Error(`${p.file}: anomaly.mode enforce has no Rego equivalent`);
  if (p.dnsTunneling.mode === 'enforce') throw new Error(`${p.file}: dnsTunneling.mode enforce has no Rego equivalent`);
}

export function opaData(p: CompiledPolicy): OpaData {
  refuseUnsupported(p);
  const workloads: OpaPolicyData['workloads'] = {};
  for (const [key, w] of p.workloads) {
    workloads[key] = { segments: w.inbound.segments.map((s) => s.index), egress: w.egress.map((r) => r.index) };
  }
  const byIdentity: Record<string, string[]> = {};
  for (const [identity, list] of p.workloadsByIdentity) byIdentity[identity] = list.map((w) => w.key);
  const policy: OpaPolicyData = {
    policy: p.name,
    trust_domain: p.trustDomain,
    mtls: p.defaults.mtls,
    default_inbound: p.defaults.inbound,
    default_egress: p.defaults.egress,
    mesh_domains: [...p.meshDomains],
    blocklist: cidrs(p.blocklistCidrs.map((text) => parseCidr(text) as Cidr)),
    segments: p.segments.map(segment),
    egress: p.egressRules.map(egressRule),
    workloads,
    by_identity: byIdentity,
  };
  return { meshguard: { policy } };
}
