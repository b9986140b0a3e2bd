// Native RBAC (envoy.config.rbac.v3.RBAC, action ALLOW) compiled from the segments that select a
// workload: defence in depth behind the wasm filter and ext_authz, and the whole of enforcement
// for proxyless gRPC servers. One policy per segment: principals from its sources, permissions
// from its rules; a source address in the blocklist never matches.
//
// Where Envoy's RBAC cannot say exactly what the engine decides, the translation is looser, never
// stricter (the wasm filter and ext_authz, earlier in the chain, decide precisely):
// - a namespace source is the prefix `spiffe://<td>/ns/<ns>/sa/` and a principal pattern `x*` the
//   prefix `x`: they also match IDs with more path segments, which the engine rejects as malformed;
// - `mtls: strict` with no segment selecting the workload is `authenticated {}`: any verified peer
//   certificate, even one without a URI SAN;
// - paths match Envoy's normalized path (normalize_path, merge_slashes, escaped slashes rejected),
//   not meshguard's normalization; requests meshguard rejects as malformed (400) never reach RBAC;
// - rate limits (429) and anomaly scores are not expressible: RBAC never denies for them.
import type { CompiledPolicy, CompiledRule, CompiledSegment, CompiledWorkload, PathPattern, SourceSet } from '../../policy/compiled.js';
import { cidrRange, type Msg } from './common.js';

const ANY_PERMISSION: Msg = { any: true };

function orIds(ids: Msg[]): Msg {
  return ids.length === 1 ? ids[0]! : { or_ids: { ids } };
}

function orRules(rules: Msg[]): Msg {
  return rules.length === 1 ? rules[0]! : { or_rules: { rules } };
}

function principalName(matcher: Msg): Msg {
  return { authenticated: { principal_name: matcher } };
}

function sourcePrincipals(td: string, sources: SourceSet): Msg[] {
  const ids: Msg[] = [];
  for (const id of [...sources.identities].sort()) ids.push(principalName({ exact: id }));
  for (const ns of [...sources.namespaces].sort()) ids.push(principalName({ prefix: `spiffe://${td}/ns/${ns}/sa/` }));
  for (const prefix of sources.prefixes) ids.push(principalName({ prefix: prefix === '' ? 'spiffe://' : prefix }));
  return ids;
}

/** The blocklist as a principal that matches only sources outside it (null when empty). */
function notBlocked(policy: CompiledPolicy): Msg | null {
  if (policy.blocklistCidrs.length === 0) return null;
  return { not_id: orIds(policy.blocklistCidrs.map((c) => ({ direct_remote_ip: cidrRange(c) }))) };
}

function withNotBlocked(policy: CompiledPolicy, principal: Msg): Msg {
  const guard = notBlocked(policy);
  return guard ? { and_ids: { ids: [guard, principal] } } : principal;
}

function pathPermission(p: PathPattern): Msg | null {
  switch (p.kind) {
    case 'any': return null;
    case 'exact': return { url_path: { path: { exact: p.value } } };
    case 'prefix': return p.value === '' ? null : { url_path: { path: { prefix: p.value } } };
    case 'suffix': return p.value === '' ? null : { url_path: { path: { suffix: p.value } } };
  }
}

/** One rule: every given field must match (methods exact, a path pattern, a destination port). */
function rulePermission(rule: CompiledRule): Msg {
  const parts: Msg[] = [];
  if (rule.methods) parts.push(orRules([...rule.methods].map((m) => ({ header: { name: ':method', string_match: { exact: m } } }))));
  if (rule.paths) {
    const paths = rule.paths.map(pathPermission);
    if (!paths.includes(null)) parts.push(orRules(paths as Msg[]));
  }
  if (rule.ports) parts.push(orRules([...rule.ports].sort((a, b) => a - b).map((port) => ({ destination_port: port }))));
  if (parts.length === 0) return ANY_PERMISSION;
  return parts.length === 1 ? parts[0]! : { and_rules: { rules: parts } };
}

function segmentPolicy(policy: CompiledPolicy, s: CompiledSegment): Msg {
  const ids = sourcePrincipals(policy.trustDomain, s.sources);
  return {
    permissions: s.rules.length === 0 ? [ANY_PERMISSION] : s.rules.map(rulePermission),
    // A segment whose sources are all empty admits nobody: a principal that never matches.
    principals: [ids.length === 0 ? { not_id: { any: true } } : withNotBlocked(policy, orIds(ids))],
  };
}

function defaultPolicies(policy: CompiledPolicy): Record<string, Msg> {
  if (policy.defaults.inbound === 'deny') return {};
  const base: Msg = policy.defaults.mtls === 'strict' ? { authenticated: {} } : { any: true };
  return { 'meshguard.default-allow': { permissions: [ANY_PERMISSION], principals: [withNotBlocked(policy, base)] } };
}

/** The `rules` of an RBAC filter for requests arriving at `workload` (empty policies: deny all). */
export function rbacRules(policy: CompiledPolicy, workload: CompiledWorkload): Msg {
  const segments = workload.inbound.segments;
  if (segments.length === 0) return { action: 'ALLOW', policies: defaultPolicies(policy) };
  const policies: Record<string, Msg> = {};
  for (const s of segments) policies[`segment.${s.name}`] = segmentPolicy(policy, s);
  return { action: 'ALLOW', policies };
}
