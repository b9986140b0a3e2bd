// One rule for "does this source pass this segment's `from`": SourceSet.admits
// (control-plane/canon/source-set.ts), used by the engine, the xDS reach computation and the policy
// audit, against its AssemblyScript twin in the identity filter (decide.ts sourceMatches, run with
// the filter's own well-formedness and namespace reading), differentially, on generated principals
// (test/helpers/spiffe-gen.ts):
// well-formed workload identities, malformed SPIFFE IDs (bad characters, empty, "." and ".."
// segments, upper-case trust domains, wrong schemes) and mid-path suffixes (an identity with more
// path, a namespace that extends a listed one, a prefix that ends inside a segment).
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { SourceSet } from '../../control-plane/canon/source-set.js';
import { decide } from '../../control-plane/engine/decide.js';
import type { CheckInput } from '../../control-plane/engine/request.js';
import { reachableFrom } from '../../control-plane/xds/build/reach.js';
import { loadHarness, type Harness } from '../wasm/harness.js';
import { compileYaml } from '../helpers/policy.js';
import { id, NAMESPACES, PREFIXES, principal, sourceSet, TD } from '../helpers/spiffe-gen.js';

let as: Harness;
beforeAll(async () => {
  as = await loadHarness();
}, 120_000);

describe('source admission: SourceSet.admits and the identity filter agree', () => {
  it('on generated principals and source sets', () => {
    fc.assert(fc.property(principal, sourceSet, (p, s) => {
      const ts = new SourceSet(TD, s.identities, s.namespaces, s.prefixes).admits(p);
      expect(as.segmentAdmits(p, { trustDomain: TD, ...s }), `${JSON.stringify(p)} ${JSON.stringify(s)}`).toBe(ts);
    }), { numRuns: 3000, seed: 14 });
  });

  it('on every principal of the generator alone, against a set that lists everything', () => {
    const all = { identities: [id('a', 'x'), `spiffe://${TD}/x`], prefixes: PREFIXES, namespaces: NAMESPACES };
    const set = new SourceSet(TD, all.identities, all.namespaces, all.prefixes);
    fc.assert(fc.property(principal, (p) => {
      expect(as.segmentAdmits(p, { trustDomain: TD, ...all }), JSON.stringify(p)).toBe(set.admits(p));
    }), { numRuns: 2000, seed: 7 });
  });

  // The cases the review named, written out.
  it.each([
    ['a malformed ID under an admitted prefix', `spiffe://${TD}/ns/a/sa/../x`, { prefixes: [`spiffe://${TD}/ns/a/`] }, false],
    ['an empty segment under an admitted prefix', `spiffe://${TD}/ns/a//sa/x`, { prefixes: [`spiffe://${TD}/ns/a/`] }, false],
    ['any principal (*) admits a well-formed ID', id('b', 'y', 'other.td'), { prefixes: [''] }, true],
    ['any principal (*) does not admit a malformed one', 'spiffe://cluster.local/ns/a/sa/x?y', { prefixes: [''] }, false],
    ['a namespace binds to the trust domain', id('a', 'x', 'other.td'), { namespaces: ['a'] }, false],
    ['a namespace is a whole segment, not a prefix', id('ab', 'x'), { namespaces: ['a'] }, false],
    ['a namespace admits only ns/<ns>/sa/<sa>, nothing longer', `${id('a', 'x')}/extra`, { namespaces: ['a'] }, false],
    ['a prefix that ends inside a segment is a string prefix', id('ab', 'x'), { prefixes: [`spiffe://${TD}/ns/a`] }, true],
    ['an exact identity admits only itself', `${id('a', 'x')}/extra`, { identities: [id('a', 'x')] }, false],
    ['an exact identity', id('a', 'x'), { identities: [id('a', 'x')] }, true],
  ] as const)('%s', (_what, p, sets, expected) => {
    const s: { identities: readonly string[]; prefixes: readonly string[]; namespaces: readonly string[] } = { identities: [], prefixes: [], namespaces: [], ...sets };
    expect(new SourceSet(TD, s.identities, s.namespaces, s.prefixes).admits(p)).toBe(expected);
    expect(as.segmentAdmits(p, { trustDomain: TD, ...s })).toBe(expected);
  });

  it('refuses to build a set whose exact identities are malformed', () => {
    expect(() => new SourceSet(TD, [`spiffe://${TD}/ns/a/../x`], [], [])).toThrow(/not a well-formed SPIFFE ID/);
  });
});

describe('the TypeScript callers ask SourceSet.admits', () => {
  const admitsPolicy = () => compileYaml(`apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: admits }
spec:
  trustDomain: ${TD}
  defaults: { inbound: deny, egress: deny, mtls: strict }
  workloads:
    - { name: api, namespace: a, serviceAccount: x, labels: { app: api }, ports: [8080] }
    - { name: web, namespace: ab, serviceAccount: x, labels: { app: web } }
    - { name: db, namespace: shop, serviceAccount: db, labels: { app: db }, ports: [5432] }
  segments:
    - name: by-namespace
      to: { matchLabels: { app: db } }
      from: [{ namespace: a }]
    - name: by-prefix
      to: { matchLabels: { app: api } }
      from: [{ principals: ["spiffe://${TD}/ns/ab/*"] }]
`, 'admits.yaml');

  it('the engine and the xDS reach agree with admits for every pair of workloads', () => {
    const policy = admitsPolicy();
    for (const src of policy.workloads.values()) {
      const reach = new Set(reachableFrom(policy, src).map((w) => w.key));
      for (const dst of policy.workloads.values()) {
        const admitted = dst.inbound.segments.some((s) => s.sources.admits(src.identity));
        expect(reach.has(dst.key), `${src.key} → ${dst.key} (reach)`).toBe(admitted);
        const input: CheckInput = {
          source: { principal: src.identity, address: '10.0.0.1', port: 40000 },
          destination: { principal: dst.identity, address: '10.0.0.2', port: dst.ports[0] ?? 80 },
          http: { method: 'GET', path: '/', host: 'h', scheme: 'http', headers: {}, body: '' },
          sni: '',
          contextExtensions: { 'meshguard.io/workload': dst.key },
        };
        const verdict = decide(policy, input);
        expect(verdict.decision === 'allow', `${src.key} → ${dst.key} (engine)`).toBe(admitted);
      }
    }
  });
});
