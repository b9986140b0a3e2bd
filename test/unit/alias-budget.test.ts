// YAML alias bombs (issue 12, item 8): a document whose aliases add more values than the budget is
// refused before any other check, with a positioned error; ordinary anchors are fine; diagnostics
// that quote huge values are cut.
import { describe, expect, it } from 'vitest';
import { ALIAS_BUDGET, aliasFinding } from '../../control-plane/policy/alias-budget.js';
import { MAX_DIAGNOSTIC_MESSAGE } from '../../control-plane/policy/diagnostics.js';
import { parsePolicy } from '../../control-plane/policy/load.js';
import { aliasBomb } from '../helpers/policy.js';

const HEAD = 'apiVersion: meshguard.io/v1alpha1\nkind: MeshPolicy\nmetadata: { name: anchors }\nspec:\n';

describe('the alias budget', () => {
  it('refuses the review\'s 9 × 9 bomb before any other check, at its first alias', () => {
    const text = aliasBomb();
    expect(text.length).toBeLessThan(700);
    const r = parsePolicy(text, 'bomb.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ code: 'MG_ERR_POLICY_ALIASES', line: 6, col: 12 });
    expect(r.errors[0]!.message).toMatch(/^YAML aliases expand this document to [\d,]+ values/);
  });

  it('refuses 20 levels (about 10^19 values) just the same: each shared node is measured once', () => {
    const r = parsePolicy(aliasBomb(20, 9), 'bomb.yaml');
    expect(!r.ok && r.errors[0]!.code).toBe('MG_ERR_POLICY_ALIASES');
  });

  it('refuses an alias inside the node it names', () => {
    expect(aliasFinding((() => { const a: unknown[] = []; a.push(a); return a; })())).toEqual({ kind: 'cycle' });
    const r = parsePolicy(`${HEAD}  workloads: &w [{ name: a, namespace: n, labels: { x: *w } }]\n`, 'cycle.yaml');
    expect(!r.ok && r.errors.map((e) => e.code)).toEqual(['MG_ERR_POLICY_ALIASES']);
  });

  it('accepts ordinary anchors: one rules list shared by 200 segments', () => {
    const rules = '[{ methods: [GET, POST], paths: ["/a/*", "/b", "/c/*"] }, { paths: ["/healthz"] }]';
    const segments = Array.from({ length: 200 }, (_, i) => `    - { name: s${i}, to: { matchLabels: { app: api } }, from: [{ namespace: shop }], rules: ${i === 0 ? `&rules ${rules}` : '*rules'} }`);
    const r = parsePolicy(`${HEAD}  workloads: [{ name: api, namespace: shop, labels: { app: api } }]\n  segments:\n${segments.join('\n')}\n`, 'ok.yaml');
    expect(r.ok && r.policy.spec.segments[199]!.rules).toHaveLength(2);
    expect(aliasFinding({ shared: Array(ALIAS_BUDGET / 2).fill([1]) })).toBeNull();
    expect(aliasFinding({ shared: Array(ALIAS_BUDGET).fill([1, 2]) })).toMatchObject({ kind: 'expansion' });
  });

  it('cuts a diagnostic that quotes a huge value', () => {
    const r = parsePolicy(`${HEAD}  workloads: [{ name: api, namespace: shop, labels: { app: "${'v'.repeat(200_000)}" } }]\n`, 'big.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    for (const e of r.errors) expect(e.message.length).toBeLessThan(MAX_DIAGNOSTIC_MESSAGE + 32);
    expect(r.errors.some((e) => e.message.includes('…('))).toBe(true);
  });
});
