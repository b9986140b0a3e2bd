// The flows a compiled policy allows, as atoms that can be compared across two policies
// (`meshguard diff`): inbound (source, destination workload, method, path pattern, port) and
// egress (workload, host or CIDR, port), each with the rule that allows it. A rule of two methods
// and two paths is four atoms; "*" stands for any. Whether a request is allowed does not depend
// on segment order (first match only picks which segment's rate limit applies), so the set of
// atoms is the policy's meaning for review purposes.
import { patternText } from '../policy/compile.js';
import type { CompiledPolicy, CompiledSegment } from '../policy/compiled.js';

export interface Flow {
  readonly kind: 'inbound' | 'egress';
  readonly from: string;
  readonly to: string;
  readonly method: string;
  readonly path: string;
  readonly port: string;
  /** The segments or egress rules (or a default) that allow it. */
  readonly by: readonly string[];
}

export const ANY = '*';

function sourcesOf(p: CompiledPolicy, s: CompiledSegment): string[] {
  const out: string[] = [];
  for (const identity of s.sources.identities) {
    const ws = p.workloadsByIdentity.get(identity);
    out.push(...(ws ? ws.map((w) => w.key) : [identity]));
  }
  for (const ns of s.sources.namespaces) out.push(`${ns}/* (any identity of the namespace)`);
  for (const prefix of s.sources.prefixes) out.push(prefix === '' ? '* (any identity)' : `${prefix}*`);
  return out;
}

/** method × path × port of a segment's rules. */
function requestsOf(s: CompiledSegment): [string, string, string][] {
  if (s.rules.length === 0) return [[ANY, ANY, ANY]];
  const out: [string, string, string][] = [];
  for (const r of s.rules) {
    for (const m of r.methods ?? [ANY]) for (const path of r.paths?.map(patternText) ?? [ANY]) for (const port of r.ports ?? [ANY]) out.push([m, path, String(port)]);
  }
  return out;
}

export function flowKey(f: Flow): string {
  return [f.kind, f.from, f.to, f.method, f.path, f.port].join('\u0000');
}

class FlowSet {
  readonly flows = new Map<string, { flow: Omit<Flow, 'by'>; by: string[] }>();

  add(flow: Omit<Flow, 'by'>, by: string): void {
    const key = flowKey({ ...flow, by: [] });
    const e = this.flows.get(key) ?? this.flows.set(key, { flow, by: [] }).get(key)!;
    if (!e.by.includes(by)) e.by.push(by);
  }
}

export function policyFlows(p: CompiledPolicy): Map<string, Flow> {
  const set = new FlowSet();
  for (const s of p.segments) {
    for (const to of s.to) for (const from of sourcesOf(p, s)) for (const [method, path, port] of requestsOf(s)) set.add({ kind: 'inbound', from, to, method, path, port }, `segment ${s.name}`);
  }
  for (const w of p.workloads.values()) {
    if (w.inbound.segments.length === 0 && p.defaults.inbound === 'allow') set.add({ kind: 'inbound', from: '* (any identity)', to: w.key, method: ANY, path: ANY, port: ANY }, 'defaults.inbound: allow');
    if (w.egress.length === 0 && p.defaults.egress === 'allow') set.add({ kind: 'egress', from: w.key, to: '* (any host)', method: ANY, path: ANY, port: ANY }, 'defaults.egress: allow');
  }
  for (const r of p.egressRules) {
    const targets = [...r.hosts, ...r.cidrList.map((c) => c.text)];
    for (const from of r.from) for (const to of targets) for (const port of r.ports ?? [ANY]) set.add({ kind: 'egress', from, to, method: ANY, path: ANY, port: String(port) }, `egress rule ${r.name}`);
  }
  return new Map([...set.flows].map(([k, v]) => [k, { ...v.flow, by: v.by }]));
}

export interface SettingChange { readonly setting: string; readonly old: string; readonly new: string }

export interface PolicyDiff {
  readonly opened: readonly Flow[];
  readonly closed: readonly Flow[];
  readonly workloadsAdded: readonly string[];
  readonly workloadsRemoved: readonly string[];
  readonly settings: readonly SettingChange[];
}

function settingsOf(p: CompiledPolicy): Record<string, string> {
  return {
    trustDomain: p.trustDomain,
    'defaults.inbound': p.defaults.inbound,
    'defaults.egress': p.defaults.egress,
    'defaults.mtls': p.defaults.mtls,
    meshDomains: p.meshDomains.join(', ') || '(none)',
    'blocklist.cidrs': p.blocklistCidrs.join(', ') || '(none)',
    'anomaly.mode': p.anomaly.mode,
    'anomaly.threshold': String(p.anomaly.threshold),
    'dnsTunneling.mode': p.dnsTunneling.mode,
    'response.quarantine': p.quarantine ? JSON.stringify(p.quarantine) : '(none)',
  };
}

const byText = (a: Flow, b: Flow) => a.kind.localeCompare(b.kind) || a.to.localeCompare(b.to) || a.from.localeCompare(b.from) || flowKey(a).localeCompare(flowKey(b));

export function diffPolicies(oldP: CompiledPolicy, newP: CompiledPolicy): PolicyDiff {
  const a = policyFlows(oldP);
  const b = policyFlows(newP);
  const oldS = settingsOf(oldP);
  const newS = settingsOf(newP);
  return {
    opened: [...b].filter(([k]) => !a.has(k)).map(([, f]) => f).sort(byText),
    closed: [...a].filter(([k]) => !b.has(k)).map(([, f]) => f).sort(byText),
    workloadsAdded: [...newP.workloads.keys()].filter((k) => !oldP.workloads.has(k)).sort(),
    workloadsRemoved: [...oldP.workloads.keys()].filter((k) => !newP.workloads.has(k)).sort(),
    settings: Object.keys(oldS).filter((k) => oldS[k] !== newS[k]).map((k) => ({ setting: k, old: oldS[k]!, new: newS[k]! })),
  };
}
