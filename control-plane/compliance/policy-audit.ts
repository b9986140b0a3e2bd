// Controls over the policy itself (MG-POL-*): defaults, over-broad and unused rules, identities,
// selectors Istio cannot express. Decisions come from the compiled form (what selects what);
// positions from the policy file.
import type { CompiledPolicy, CompiledSegment, SourceSet } from '../policy/compiled.js';
import { workloadSelections } from '../istio/selectors.js';
import { finding, type Finding, type Location } from './finding.js';
import type { YamlPath } from './yaml-locate.js';

export interface PolicyUnderAudit {
  readonly compiled: CompiledPolicy;
  /** Keys (`ns/name`) of the workloads the file lists, in file order; the compiled inventory may differ (Kubernetes). */
  readonly fileWorkloads: readonly string[];
  locate(path: YamlPath, atKey?: boolean): Location;
}

function defaults(p: PolicyUnderAudit): Finding[] {
  const d = p.compiled.defaults;
  const out: Finding[] = [];
  if (d.mtls !== 'strict') out.push(finding('MG-POL-001', `defaults.mtls is ${d.mtls}: requests without a verified peer identity reach segments that admit namespaces or principals`, p.locate(['spec', 'defaults', 'mtls'])));
  if (d.inbound === 'allow') out.push(finding('MG-POL-002', 'defaults.inbound is allow: every workload no segment selects accepts any caller', p.locate(['spec', 'defaults', 'inbound'])));
  if (d.egress === 'allow') out.push(finding('MG-POL-003', 'defaults.egress is allow: every workload no egress rule selects may call any host', p.locate(['spec', 'defaults', 'egress'])));
  if (p.compiled.anomaly.mode === 'off') out.push(finding('MG-POL-013', 'anomaly.mode is off: requests are not scored', p.locate(['spec', 'anomaly', 'mode'])));
  return out;
}

function admitsAllInventory(compiled: CompiledPolicy, sources: SourceSet): boolean {
  if (sources.admitsAnyone) return true;
  for (const identity of compiled.workloadsByIdentity.keys()) if (!sources.admits(identity)) return false;
  return compiled.workloadsByIdentity.size > 0;
}

function segmentFindings(p: PolicyUnderAudit, s: CompiledSegment): Finding[] {
  const where = p.locate(['spec', 'segments', s.index]);
  const total = p.compiled.workloads.size;
  const sources = s.sources;
  if (s.to.length === 0 || sources.empty) {
    const what = s.to.length === 0 ? '`to` selects no workload' : '`from` admits no identity';
    return [finding('MG-POL-009', `segment ${s.name}: ${what}`, where)];
  }
  const fromAll = admitsAllInventory(p.compiled, sources);
  if (fromAll && s.to.length === total) return [finding('MG-POL-004', `segment ${s.name}: every workload (${total}) may be called by ${sources.admitsAnyone ? 'any identity' : 'every identity of the inventory'}`, where)];
  if (fromAll && p.compiled.workloadsByIdentity.size > 1) return [finding('MG-POL-005', `segment ${s.name}: \`from\` admits ${sources.admitsAnyone ? 'any identity' : `all ${p.compiled.workloadsByIdentity.size} identities of the inventory`}`, where)];
  return [];
}

const V4_BROADEST = 8;
const V6_BROADEST = 32;

function egressFindings(p: PolicyUnderAudit): Finding[] {
  const out: Finding[] = [];
  for (const r of p.compiled.egressRules) {
    const where = p.locate(['spec', 'egress', r.index]);
    if (r.from.length === 0) out.push(finding('MG-POL-010', `egress rule ${r.name}: \`from\` selects no workload`, where));
    if (r.anyHost) out.push(finding('MG-POL-006', `egress rule ${r.name}: host "*" allows any name`, p.locate(['spec', 'egress', r.index, 'hosts', r.hosts.indexOf('*')])));
    r.cidrList.forEach((c, j) => {
      const limit = c.ip.v === 4 ? V4_BROADEST : V6_BROADEST;
      if (c.prefix >= limit) return;
      const severity = c.prefix === 0 ? 'high' : 'medium';
      out.push(finding('MG-POL-007', `egress rule ${r.name}: ${c.text} ${c.prefix === 0 ? 'is every address' : `is wider than /${limit}`}`, p.locate(['spec', 'egress', r.index, 'cidrs', j]), severity));
    });
  }
  return out;
}

function workloadLocation(p: PolicyUnderAudit, key: string): Location {
  const i = p.fileWorkloads.indexOf(key);
  return p.locate(i === -1 ? ['spec', 'workloads'] : ['spec', 'workloads', i]);
}

function labelText(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))));
}

function identityFindings(p: PolicyUnderAudit): Finding[] {
  const out: Finding[] = [];
  for (const [identity, list] of p.compiled.workloadsByIdentity) {
    const labelSets = new Set(list.map((w) => labelText(w.labels)));
    if (labelSets.size < 2) continue;
    const names = list.map((w) => w.key).join(', ');
    out.push(finding('MG-POL-008', `${names} share the identity ${identity} but carry different labels`, workloadLocation(p, list[1]!.key)));
  }
  return out;
}

function workloadFindings(p: PolicyUnderAudit): Finding[] {
  const out: Finding[] = [];
  const open = p.compiled.defaults.inbound === 'allow';
  for (const w of p.compiled.workloads.values()) {
    if (w.inbound.segments.length > 0) continue;
    const message = open ? `${w.key}: no segment selects it, so defaults.inbound (allow) admits any caller` : `${w.key}: no segment selects it, so all its inbound calls are denied`;
    out.push(finding('MG-POL-011', message, workloadLocation(p, w.key), open ? 'high' : 'low'));
  }
  for (const s of workloadSelections(p.compiled).values()) {
    if (!s.needsWorkloadLabel) continue;
    const labelless = Object.keys(p.compiled.workloads.get(s.workload)!.labels).length === 0;
    const why = labelless ? 'it has no labels' : `its labels also fit ${s.overlapping.join(', ')}`;
    out.push(finding('MG-POL-012', `${s.workload}: ${why}; Istio selectors need meshguard.io/workload on its pods`, workloadLocation(p, s.workload)));
  }
  return out;
}

export function auditPolicy(p: PolicyUnderAudit): Finding[] {
  return [
    ...defaults(p),
    ...p.compiled.segments.flatMap((s) => segmentFindings(p, s)),
    ...egressFindings(p),
    ...identityFindings(p),
    ...workloadFindings(p),
  ];
}
