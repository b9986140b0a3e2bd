// Content fingerprints of what a sidecar's listeners, routes and clusters are built from, so a
// policy edit rebuilds only the sidecars whose inputs changed (the wasm filter configs, which
// carry the policy version, are rebuilt for every node). Fingerprints are memoized per compiled
// segment and per compiled policy; source positions (derivedFrom) are left out on purpose.
import { createHash } from 'node:crypto';
import type { CompiledPolicy, CompiledRule, CompiledSegment, CompiledWorkload } from '../../policy/compiled.js';
import { admittingSegments, openDestinations } from './reach.js';

const segmentPrints = new WeakMap<CompiledSegment, string>();
const policyPrints = new WeakMap<CompiledPolicy, string>();

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64').slice(0, 22);
}

const sorted = (values: Iterable<string | number> | null) => (values === null ? null : [...values].sort());

function rulePrint(r: CompiledRule): unknown {
  return [sorted(r.methods), r.paths?.map((p) => (p.kind === 'any' ? '*' : `${p.kind}:${p.value}`)) ?? null, sorted(r.ports)];
}

export function segmentFingerprint(s: CompiledSegment): string {
  let print = segmentPrints.get(s);
  if (!print) {
    const src = s.sources;
    print = digest(JSON.stringify([s.name, sorted(src.identities), sorted(src.namespaces), src.prefixes, s.rules.map(rulePrint), s.to]));
    segmentPrints.set(s, print);
  }
  return print;
}

/** Everything policy-wide a sidecar's topology depends on besides its own segments. */
function policyFingerprint(policy: CompiledPolicy, inventory: string): string {
  let print = policyPrints.get(policy);
  if (!print) {
    const d = policy.defaults;
    print = digest(JSON.stringify([inventory, d.inbound, d.mtls, policy.trustDomain, policy.meshDomains, policy.blocklistCidrs, openDestinations(policy)]));
    policyPrints.set(policy, print);
  }
  return print;
}

/** Equal keys: equal listeners, routes, clusters and endpoints for `w` (given equal node settings). */
export function sidecarTopologyKey(policy: CompiledPolicy, w: CompiledWorkload, inventory: string): string {
  const parts = [policyFingerprint(policy, inventory), w.key, w.identity, w.ports.join(','), '|'];
  for (const s of w.inbound.segments) parts.push(segmentFingerprint(s));
  parts.push('|');
  for (const s of admittingSegments(policy, w)) parts.push(segmentFingerprint(s));
  return parts.join(' ');
}
