// Semantic validation of a schema-valid policy document, and the defaults it implies.
import type { ErrorCode } from '../errors.js';
import { formatIP, parseCidr } from '../canon/ip.js';
import type { Diagnostic, FieldPath } from './diagnostics.js';
import type { PolicySource } from './source.js';
import { checkPrincipalPattern, isValidTrustDomain } from '../canon/spiffe.js';
import { isNamespaceOnly, selectWorkloads } from './selectors.js';
import {
  canonicalHostPattern, checkDnsLabel, checkDomainSuffix, checkEndpoint, checkLabelKey, checkLabelValue,
  checkMethod, checkPathPattern, checkRuleName, checkServiceAccount, parseDuration,
} from './checks.js';
import type { AnomalyLearning, EgressRule, FromEntry, Policy, Quarantine, Segment, Selector, Workload } from './types.js';

/* The raw document after the schema check: optional fields may be absent. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the shape was checked by the schema
type Raw = Record<string, any>;

class Collector {
  readonly diags: Diagnostic[] = [];
  constructor(private readonly source: PolicySource) {}

  error(code: ErrorCode, path: FieldPath, message: string | null, atKey = false): void {
    if (message !== null) this.diags.push(this.source.diagnostic('error', code, path, message, atKey));
  }

  warn(code: ErrorCode, path: FieldPath, message: string): void {
    this.diags.push(this.source.diagnostic('warning', code, path, message));
  }

  lineOf(path: FieldPath): number {
    return this.source.position(path).line;
  }
}

function checkCidr(out: Collector, cidr: string, path: FieldPath): void {
  const r = parseCidr(cidr);
  if (typeof r === 'string') out.error('MG_ERR_POLICY_CIDR', path, `bad CIDR: ${r}`);
  else if (r.hostBitsSet) out.warn('MG_WARN_POLICY_CIDR_HOST_BITS', path, `"${cidr}" has bits set after the prefix length; it means ${formatIP(r.ip)}/${r.prefix}`);
}

function checkUnique(out: Collector, items: readonly Raw[], base: FieldPath, keyOf: (item: Raw) => string, what: string): void {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    const key = keyOf(item);
    const seen = first.get(key);
    if (seen === undefined) first.set(key, i);
    else out.error('MG_ERR_POLICY_DUPLICATE_NAME', [...base, i, 'name'], `duplicate ${what} "${key}" (first defined at line ${out.lineOf([...base, seen, 'name'])})`);
  });
}

function checkLabels(out: Collector, labels: Record<string, string> | undefined, path: FieldPath): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    out.error('MG_ERR_POLICY_NAME', [...path, key], checkLabelKey(key), true);
    out.error('MG_ERR_POLICY_NAME', [...path, key], checkLabelValue(value));
  }
}

function checkSelector(out: Collector, selector: Raw, path: FieldPath): void {
  if (selector.namespace !== undefined) out.error('MG_ERR_POLICY_NAME', [...path, 'namespace'], checkDnsLabel(selector.namespace, 'namespace'));
  checkLabels(out, selector.matchLabels, [...path, 'matchLabels']);
  (selector.matchExpressions ?? []).forEach((expr: Raw, i: number) => {
    const at = [...path, 'matchExpressions', i];
    out.error('MG_ERR_POLICY_NAME', [...at, 'key'], checkLabelKey(expr.key));
    const values: string[] | undefined = expr.values;
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (!values || values.length === 0) out.error('MG_ERR_POLICY_SELECTOR_OPERATOR', [...at, 'operator'], `operator ${expr.operator} needs at least one value`);
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values !== undefined) out.error('MG_ERR_POLICY_SELECTOR_OPERATOR', [...at, 'values'], `operator ${expr.operator} takes no values`);
        break;
      default:
        out.error('MG_ERR_POLICY_SELECTOR_OPERATOR', [...at, 'operator'], `unknown operator "${expr.operator}" (expected In, NotIn, Exists or DoesNotExist)`);
    }
  });
}

function warnIfEmpty(out: Collector, selector: Selector, inventory: readonly Workload[], path: FieldPath, role: string): void {
  if (selectWorkloads(selector, inventory).length === 0) {
    out.warn('MG_WARN_POLICY_SELECTS_NOTHING', path, `${role} selector selects no workload of the inventory`);
  }
}

function buildWorkloads(out: Collector, raw: Raw[]): Workload[] {
  checkUnique(out, raw, ['spec', 'workloads'], (w) => `${w.namespace}/${w.name}`, 'workload');
  return raw.map((w, i) => {
    const at = ['spec', 'workloads', i];
    out.error('MG_ERR_POLICY_NAME', [...at, 'name'], checkDnsLabel(w.name, 'workload name'));
    out.error('MG_ERR_POLICY_NAME', [...at, 'namespace'], checkDnsLabel(w.namespace, 'namespace'));
    if (w.serviceAccount !== undefined) out.error('MG_ERR_POLICY_NAME', [...at, 'serviceAccount'], checkServiceAccount(w.serviceAccount));
    checkLabels(out, w.labels, [...at, 'labels']);
    (w.endpoints ?? []).forEach((e: string, j: number) => out.error('MG_ERR_POLICY_ENDPOINT', [...at, 'endpoints', j], checkEndpoint(e)));
    return {
      name: w.name, namespace: w.namespace, serviceAccount: w.serviceAccount ?? 'default',
      labels: { ...(w.labels ?? {}) }, ports: w.ports ?? [], endpoints: w.endpoints ?? [],
    };
  });
}

function buildFromEntry(out: Collector, entry: Raw, at: FieldPath, inventory: readonly Workload[]): FromEntry {
  if (entry.principals !== undefined) {
    if (entry.namespace !== undefined || entry.matchLabels !== undefined || entry.matchExpressions !== undefined) {
      out.error('MG_ERR_POLICY_FROM_ENTRY', [...at, 'principals'], 'a from entry is either {principals: [...]} or a selector, not both');
    }
    (entry.principals as string[]).forEach((p, k) => {
      out.error('MG_ERR_POLICY_SPIFFE_ID', [...at, 'principals', k], checkPrincipalPattern(p));
      if (p === '*' || p === 'spiffe://*') out.warn('MG_WARN_POLICY_ANY_PRINCIPAL', [...at, 'principals', k], `principal "${p}" admits every authenticated identity`);
    });
    return { principals: entry.principals };
  }
  checkSelector(out, entry, at);
  if (!isNamespaceOnly(entry)) warnIfEmpty(out, entry, inventory, at, 'from');
  return entry as FromEntry;
}

function buildSegments(out: Collector, raw: Raw[], inventory: readonly Workload[]): Segment[] {
  checkUnique(out, raw, ['spec', 'segments'], (s) => s.name, 'segment');
  return raw.map((s, i) => {
    const at = ['spec', 'segments', i];
    out.error('MG_ERR_POLICY_NAME', [...at, 'name'], checkRuleName(s.name));
    checkSelector(out, s.to, [...at, 'to']);
    warnIfEmpty(out, s.to, inventory, [...at, 'to'], 'to');
    const from = (s.from as Raw[]).map((entry, j) => buildFromEntry(out, entry, [...at, 'from', j], inventory));
    (s.rules ?? []).forEach((rule: Raw, j: number) => {
      (rule.methods ?? []).forEach((m: string, k: number) => out.error('MG_ERR_POLICY_METHOD', [...at, 'rules', j, 'methods', k], checkMethod(m)));
      (rule.paths ?? []).forEach((p: string, k: number) => out.error('MG_ERR_POLICY_PATH_PATTERN', [...at, 'rules', j, 'paths', k], checkPathPattern(p)));
    });
    const rateLimit = s.rateLimit
      ? { requestsPerSecond: s.rateLimit.requestsPerSecond, burst: s.rateLimit.burst ?? Math.max(1, Math.ceil(s.rateLimit.requestsPerSecond)) }
      : undefined;
    return { name: s.name, to: s.to, from, rules: s.rules ?? [], ...(rateLimit ? { rateLimit } : {}) };
  });
}

function buildEgress(out: Collector, raw: Raw[], inventory: readonly Workload[]): EgressRule[] {
  checkUnique(out, raw, ['spec', 'egress'], (e) => e.name, 'egress rule');
  return raw.map((e, i) => {
    const at = ['spec', 'egress', i];
    out.error('MG_ERR_POLICY_NAME', [...at, 'name'], checkRuleName(e.name));
    checkSelector(out, e.from, [...at, 'from']);
    warnIfEmpty(out, e.from, inventory, [...at, 'from'], 'from');
    const hosts = ((e.hosts ?? []) as string[]).map((h, k) => {
      const r = canonicalHostPattern(h);
      if ('error' in r) out.error('MG_ERR_POLICY_HOST_PATTERN', [...at, 'hosts', k], r.error);
      return 'pattern' in r ? r.pattern : h;
    });
    const cidrs: string[] = e.cidrs ?? [];
    cidrs.forEach((c, k) => checkCidr(out, c, [...at, 'cidrs', k]));
    if (hosts.length === 0 && cidrs.length === 0) out.error('MG_ERR_POLICY_EGRESS_TARGET', at, `egress rule "${e.name}" needs hosts or cidrs`);
    return { name: e.name, from: e.from, hosts, cidrs, ...(e.ports ? { ports: e.ports } : {}) };
  });
}

function buildQuarantine(out: Collector, raw: Raw | undefined): Quarantine | undefined {
  if (!raw) return undefined;
  const at = ['spec', 'response', 'quarantine'];
  const windowSeconds = parseDuration(raw.window);
  const forSeconds = parseDuration(raw.for);
  if (windowSeconds === null) out.error('MG_ERR_POLICY_DURATION', [...at, 'window'], `"${raw.window}" is not a duration such as 60s, 10m or 1h30m`);
  if (forSeconds === null) out.error('MG_ERR_POLICY_DURATION', [...at, 'for'], `"${raw.for}" is not a duration such as 60s, 10m or 1h30m`);
  if (raw.denyRatio === undefined && raw.anomalyRatio === undefined) out.error('MG_ERR_POLICY_SCHEMA', at, 'quarantine needs denyRatio, anomalyRatio or both');
  return {
    denyRatio: raw.denyRatio ?? null, anomalyRatio: raw.anomalyRatio ?? null,
    minRequests: raw.minRequests ?? 20, windowSeconds: windowSeconds ?? 0, forSeconds: forSeconds ?? 0,
  };
}

function buildLearning(out: Collector, raw: Raw | undefined): AnomalyLearning {
  const monitorFor = raw?.monitorFor === undefined ? 3600 : parseDuration(raw.monitorFor);
  if (monitorFor === null) out.error('MG_ERR_POLICY_DURATION', ['spec', 'anomaly', 'learning', 'monitorFor'], `"${raw!.monitorFor}" is not a duration such as 30m or 1h`);
  return { minRequests: raw?.minRequests ?? 1000, monitorForSeconds: monitorFor ?? 3600, maxAlertRatio: raw?.maxAlertRatio ?? 0.01 };
}

/** Builds the policy with its defaults; every problem found becomes a diagnostic with a position. */
export function buildPolicy(doc: Raw, source: PolicySource): { policy: Policy; diags: Diagnostic[] } {
  const out = new Collector(source);
  const spec: Raw = doc.spec ?? {};
  const trustDomain: string = spec.trustDomain ?? 'cluster.local';
  if (!isValidTrustDomain(trustDomain)) out.error('MG_ERR_POLICY_SPIFFE_ID', ['spec', 'trustDomain'], `trust domain "${trustDomain}" may hold only a-z, 0-9, ".", "-" and "_"`);
  const meshDomains = ((spec.meshDomains ?? []) as string[]).map((d, i) => {
    const r = checkDomainSuffix(d);
    if ('error' in r) out.error('MG_ERR_POLICY_HOST_PATTERN', ['spec', 'meshDomains', i], r.error);
    return 'domain' in r ? r.domain : d;
  });
  (spec.blocklist?.cidrs ?? []).forEach((c: string, i: number) => checkCidr(out, c, ['spec', 'blocklist', 'cidrs', i]));
  const workloads = buildWorkloads(out, spec.workloads ?? []);
  const segments = buildSegments(out, spec.segments ?? [], workloads);
  const egress = buildEgress(out, spec.egress ?? [], workloads);
  const quarantine = buildQuarantine(out, spec.response?.quarantine);
  const dns = spec.dnsTunneling ?? {};
  const policy: Policy = {
    apiVersion: doc.apiVersion, kind: doc.kind, metadata: { name: doc.metadata.name },
    spec: {
      trustDomain,
      defaults: { inbound: spec.defaults?.inbound ?? 'deny', egress: spec.defaults?.egress ?? 'deny', mtls: spec.defaults?.mtls ?? 'strict' },
      meshDomains, workloads, segments, egress,
      blocklist: { cidrs: spec.blocklist?.cidrs ?? [] },
      anomaly: { mode: spec.anomaly?.mode ?? 'off', threshold: spec.anomaly?.threshold ?? 10, learning: buildLearning(out, spec.anomaly?.learning) },
      dnsTunneling: {
        mode: dns.mode ?? 'monitor', maxLabelLength: dns.maxLabelLength ?? 40, maxLabels: dns.maxLabels ?? 10,
        entropyMinLength: dns.entropyMinLength ?? 24, maxEntropy: dns.maxEntropy ?? 4.0,
      },
      ...(quarantine ? { response: { quarantine } } : {}),
    },
  };
  return { policy, diags: out.diags };
}
