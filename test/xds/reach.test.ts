// The admission index of build/reach.ts answers exactly what SourceSet.admits answers, segment by
// segment, for the inventory's identities and for identities outside it (other trust domains,
// malformed IDs, principal-prefix matches).
import { describe, expect, it } from 'vitest';
import { generatePolicyDocument, policyYaml } from '../../bench/generate-policy.js';
import { segmentsAdmitting } from '../../control-plane/xds/build/reach.js';
import { compileYaml } from '../helpers/policy.js';
import { shop } from './helpers.js';

function expectSameAsAdmits(policy: ReturnType<typeof shop>, identities: readonly string[]): number {
  let admitted = 0;
  for (const id of identities) {
    const expected = policy.segments.filter((s) => s.sources.admits(id)).map((s) => s.name);
    const first = segmentsAdmitting(policy, id);
    expect(first.map((s) => s.name), id).toEqual(expected);
    // Memoized: the same (frozen) list again, not a recomputed one.
    expect(segmentsAdmitting(policy, id), id).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    admitted += first.length;
  }
  return admitted;
}

describe('segmentsAdmitting (the xDS reach index)', () => {
  it('equals SourceSet.admits on a generated policy (identities, namespaces, prefixes)', () => {
    const policy = compileYaml(policyYaml(generatePolicyDocument({ workloads: 120, segments: 600, egress: 10 })), 'generated.yaml');
    const inventory = [...policy.workloads.values()].map((w) => w.identity);
    const td = policy.trustDomain;
    const others = [
      `spiffe://${td}/ns/unknown/sa/x`, `spiffe://other.td/ns/${[...policy.workloads.values()][0]!.namespace}/sa/x`,
      `spiffe://${td}/ns/a/b/sa/x`, 'spiffe://', 'not-an-id', `spiffe://${td}/ns/../sa/x`, `${inventory[0]!}/extra`,
    ];
    const admitted = expectSameAsAdmits(policy, [...inventory, ...others]);
    expect(admitted).toBeGreaterThan(0);
  });

  it('equals SourceSet.admits on the example policy, with a principal prefix and exact principals', () => {
    const policy = shop((y) => y.replace('principals: ["spiffe://cluster.local/ns/ops/sa/prober"]', 'principals: ["spiffe://cluster.local/ns/ops/*", "spiffe://cluster.local/ns/shop/sa/frontend"]'));
    const ids = [...policy.workloads.values()].map((w) => w.identity);
    expectSameAsAdmits(policy, [...ids, 'spiffe://cluster.local/ns/ops/sa/prober', 'spiffe://cluster.local/ns/ops/sa/other', 'spiffe://cluster.local/ns/opsx/sa/a']);
  });
});
