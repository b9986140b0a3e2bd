// Native RBAC (envoy.config.rbac.v3.RBAC, action ALLOW) compiled from the segments that select a
// workload: defence in depth behind the wasm filter and ext_authz, and the whole of enforcement
// for proxyless gRPC servers. One policy per segment: principals from its sources, permissions
// from its rules; a source address in the blocklist never matches.
//
// Principals say what SourceSet.admits (canon/source-set.ts) says, well-formedness included
// (test/xds/rbac.test.ts checks it differentially with grpc-js-xds's RBAC engine):
// - an exact identity is `exact` (SourceSet requires it well formed);
// - a namespace source is a `safe_regex` (canon/spiffe-re2.ts) matching exactly
//   spiffe://<td>/ns/<ns>/sa/<one well-formed segment>; a namespace that is not a well-formed
//   segment admits nobody and is left out;
// - a principal pattern `x*` is `and_ids` of the prefix `x` and the regex of a well-formed SPIFFE
//   ID; `*` is that regex alone.
// Each regex compiles to an RE2 program of at most 27 instructions (Envoy 1.40's measure), under
// Envoy's default limit of 100 (runtime re2.max_program_size.error_level), whatever the trust domain
// or namespace: the literal `^spiffe://...` prefix is not part of the program
// (test/envoy/xds-rbac.test.ts).
//
// Where Envoy's RBAC cannot say exactly what the engine decides, the translation is looser, never
// stricter (the wasm filter and ext_authz, earlier in the chain, decide precisely):
// - the regexes do not bound the lengths parseSpiffeId bounds (2048 for the ID, 255 for the trust
//   domain): a longer, otherwise well-formed ID passes RBAC, not the engine;
// - a principal is matched against each URI SAN of the peer certificate (then DNS SANs and the
//   subject, which never start with spiffe://); the engine reads one principal;
// - `mtls: strict` with no segment selecting the workload is `authenticated {}`: any verified peer
//   certificate, even one without a URI SAN;
// - paths match Envoy's normalized path (normalize_path, merge_slashes, escaped slashes rejected),
//   not meshguard's normalization; requests meshguard rejects as malformed (400) never reach RBAC;
// - rate limits (429) and anomaly scores are not expressible: RBAC never denies for them.
import type { CompiledPolicy, CompiledRule, CompiledSegment, CompiledWorkload, PathPattern, SourceSet } from '../../policy/compiled.js';
import { kubernetesNamespaceRegex, wellFormedSpiffeIdRegex } from '../../canon/spiffe-re2.js';
import { isValidPathSegment, isValidTrustDomain } from '../../canon/spiffe.js';
import { cidrRange, type Msg } from './common.js';

const ANY_PERMISSION: Msg = { any: true };
const NOBODY: Msg = { not_id: { any: true } };

function orIds(ids: Msg[]): Msg {
  return ids.length === 1 ? ids[0]! : { or_ids: { ids } };
}

function orRules(rules: Msg[]): Msg {
  return rules.length === 1 ? rules[0]! : { or_rules: { rules } };
}

function principalName(matcher: Msg): Msg {
  return { authenticated: { principal_name: matcher } };
}

function regex(re: string): Msg {
  return { safe_regex: { regex: re } };
}

/** The principals of SourceSet.admits: exact identities, Kubernetes identities of a namespace, well-formed IDs under a prefix. */
function sourcePrincipals(sources: SourceSet): Msg[] {
  const ids: Msg[] = [];
  for (const id of [...sources.identities].sort()) ids.push(principalName({ exact: id }));
  if (isValidTrustDomain(sources.trustDomain)) {
    for (const ns of [...sources.namespaces].sort()) {
      if (isValidPathSegment(ns)) ids.push(principalName(regex(kubernetesNamespaceRegex(sources.trustDomain, ns))));
    }
  }
  // Built per segment with prefixes, not at load: the mutation run (Stryker, perTest coverage)
  // would count canon/spiffe-re2.ts as covered by no test in particular (docs/mutation.md).
  if (sources.prefixes.length === 0) return ids;
  const wellFormed = principalName(regex(wellFormedSpiffeIdRegex()));
  for (const prefix of sources.prefixes) {
    // Every well-formed ID starts with spiffe://: that prefix adds nothing to the regex.
    ids.push(prefix === '' || prefix === 'spiffe://' ? wellFormed : { and_ids: { ids: [principalName({ prefix }), wellFormed] } });
  }
  return ids;
}

/** The blocklist as a principal that matches only sources outside it (null when empty). */
function notBlocked(policy: CompiledPolicy): Msg | null {
  if (policy.blocklistCidrs.length === 0) return null;
  return { not_id: orIds(policy.blocklistCidrs.map((c) => ({ direct_remote_ip: cidrRange(c) }))) };
}

function withNotBlocked(guard: Msg | null, principal: Msg): Msg {
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

/** The principal of a segment's `from` (blocklist aside): what `sources.admits` admits (null when that is nobody). */
export function sourcesPrincipal(sources: SourceSet): Msg | null {
  const ids = sourcePrincipals(sources);
  return ids.length === 0 ? null : orIds(ids);
}

function segmentPolicy(s: CompiledSegment, guard: Msg | null): Msg {
  const principal = sourcesPrincipal(s.sources);
  return {
    permissions: s.rules.length === 0 ? [ANY_PERMISSION] : s.rules.map(rulePermission),
    // A segment whose sources admit nobody: a principal that never matches.
    principals: [principal === null ? NOBODY : withNotBlocked(guard, principal)],
  };
}

function defaultPolicies(policy: CompiledPolicy): Record<string, Msg> {
  if (policy.defaults.inbound === 'deny') return {};
  const base: Msg = policy.defaults.mtls === 'strict' ? { authenticated: {} } : { any: true };
  return { 'meshguard.default-allow': { permissions: [ANY_PERMISSION], principals: [withNotBlocked(notBlocked(policy), base)] } };
}

/** The `rules` of an RBAC filter for requests arriving at `workload` (empty policies: deny all). */
export function rbacRules(policy: CompiledPolicy, workload: CompiledWorkload): Msg {
  const segments = workload.inbound.segments;
  if (segments.length === 0) return { action: 'ALLOW', policies: defaultPolicies(policy) };
  // The blocklist guard once per workload, shared by its segments' policies (not rebuilt per segment).
  const guard = notBlocked(policy);
  const policies: Record<string, Msg> = {};
  for (const s of segments) policies[`segment.${s.name}`] = segmentPolicy(s, guard);
  return { action: 'ALLOW', policies };
}
