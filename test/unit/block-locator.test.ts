import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { BlockLocator } from '../../control-plane/policy/block-locator.js';
import { PolicySource } from '../../control-plane/policy/source.js';
import type { FieldPath } from '../../control-plane/policy/diagnostics.js';

/** Every path of a value, keys included. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

const files = ['examples/shop.yaml', 'test/fixtures/policies/engine.yaml', 'test/fixtures/policies/open-defaults.yaml'].map((f) => [f, readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8')] as const);
const generated = stringify({
  apiVersion: 'meshguard.io/v1alpha1', kind: 'MeshPolicy', metadata: { name: 'g' },
  spec: {
    workloads: Array.from({ length: 5 }, (_, i) => ({ name: `w${i}`, namespace: 'n', labels: { app: `a${i}`, tier: 'x' }, ports: [8080, 9090] })),
    segments: [{ name: 's', to: { matchLabels: { app: 'a1' } }, from: [{ principals: ['spiffe://cluster.local/ns/n/sa/x'] }, {}], rules: [{ methods: ['GET'], paths: ['/a/*'] }] }],
  },
});
const tricky = `apiVersion: meshguard.io/v1alpha1   # comment
kind: MeshPolicy
metadata:
  name: "quoted"

spec:
  # a comment line
  workloads:
  - name: a
    namespace: n
    labels:
      app: a
  segments:
    - name: s
      to: { matchLabels: { app: a } }
      from:
        - principals:
            - spiffe://cluster.local/ns/n/sa/x
      rules:
        - methods: [GET]
          paths:
          - /x
  blocklist:
    cidrs: |
      not really
`;

function linePos(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before.at(-1)!.length + 1 };
}

describe('the block locator finds what the full parser finds, or gives up', () => {
  it.each([...files, ['generated', generated] as const, ['tricky', tricky] as const])('%s', (name, text) => {
    const { source, data } = PolicySource.parse(text, 'p.yaml');
    const locator = new BlockLocator(text);
    let answered = 0;
    let total = 0;
    for (const path of paths(data) as FieldPath[]) {
      for (const atKey of [false, true]) {
        total++;
        const offset = locator.locate(path, atKey);
        if (offset === null) continue;
        answered++;
        expect(linePos(text, offset), `${JSON.stringify(path)} atKey=${atKey}`).toEqual(source.parsedPosition(path, atKey));
      }
    }
    // Flow-style parts are left to the full parser; block-style policies are answered almost entirely.
    expect(answered).toBeGreaterThan(0);
    if (name === 'generated') expect(answered / total).toBeGreaterThan(0.9);
  });

  it('positions come out the same through PolicySource, whichever way they are found', () => {
    const { source, data } = PolicySource.parse(tricky, 'p.yaml');
    const fresh = () => PolicySource.parse(tricky, 'p.yaml').source;
    for (const path of paths(data) as FieldPath[]) expect(fresh().position(path), JSON.stringify(path)).toEqual(source.parsedPosition(path));
  });
});
