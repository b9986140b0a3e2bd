import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { decide } from '../../control-plane/engine/decide.js';
import { compileYaml, id, input } from '../helpers/policy.js';
import { egress, engineYaml, inbound } from '../fixtures/engine-cases.js';

// Compiled inside each test, not at load: the mutation run (Stryker, perTest coverage) would count
// what compiling reaches as covered by no test in particular and rerun every test for it.
const engine = () => compileYaml(engineYaml);

describe('inbound decisions on the engine policy', () => {
  it.each(inbound)('%s', (_name, spec, [decision, status, rule]) => {
    const d = decide(engine(), input(spec));
    expect({ decision: d.decision, status: d.status, rule: d.rule }, d.reason).toEqual({ decision, status, rule });
    expect(d.reason.length).toBeGreaterThan(0);
  });
});

describe('egress decisions on the engine policy', () => {
  it.each(egress)('%s', (_name, spec, [decision, status, rule]) => {
    const d = decide(engine(), input(spec));
    expect({ decision: d.decision, status: d.status, rule: d.rule }, d.reason).toEqual({ decision, status, rule });
  });
});

describe('decisions do not depend on the order of segments and egress rules', () => {
  const doc = parse(engineYaml) as { spec: { segments: unknown[]; egress: unknown[] } };
  const permutations = (n: number): number[][] => (n === 1 ? [[0]] : permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)])));
  it.each(permutations(doc.spec.segments.length).map((p) => [p.join(','), p] as const))('segment order %s', (_name, order) => {
    const permuted = { ...doc, spec: { ...doc.spec, segments: order.map((i) => doc.spec.segments[i]), egress: [...doc.spec.egress].reverse() } };
    const p2 = compileYaml(stringify(permuted));
    for (const [name, spec, [decision, status, rule]] of [...inbound, ...egress]) {
      const d = decide(p2, input(spec));
      expect({ decision: d.decision, status: d.status, rule: d.rule }, name).toEqual({ decision, status, rule });
    }
  });
});

describe('open defaults', () => {
  const openYaml = readFileSync(new URL('../fixtures/policies/open-defaults.yaml', import.meta.url), 'utf8');
  const open = () => compileYaml(openYaml);
  it('permissive mTLS lets an unauthenticated request reach an unselected workload under default allow', () => {
    expect(decide(open(), input({ to: 'x/a', path: '/' })).decision).toBe('allow');
  });
  it('a selected workload still needs a segment that admits the source', () => {
    const d = decide(open(), input({ to: 'x/b', path: '/' }));
    expect([d.decision, d.status]).toEqual(['deny', 403]);
    expect(decide(open(), input({ from: id('x', 'default'), to: 'x/b', path: '/' })).decision).toBe('allow');
  });
  it('default egress allow lets an unselected workload out', () => {
    expect(decide(open(), input({ to: 'x/a', outbound: true, host: 'example.com' })).decision).toBe('allow');
  });
  it('default egress allow still rejects a non-canonical IPv4', () => {
    expect(decide(open(), input({ to: 'x/a', outbound: true, host: '127.1' })).decision).toBe('deny');
  });
});
