// explain (the engine's own trace), test (policy unit tests with a diff) and diff (flows a policy
// change opens and closes), through the real CLI; and replay judging each request for the
// workload it names.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Authorizer } from '../../control-plane/authorizer/authorizer.js';
import { LocalRateLimitStore } from '../../control-plane/authorizer/rate-limit.js';
import { toCheckInput } from '../../control-plane/authz/check-request.js';
import { Trace } from '../../control-plane/engine/trace.js';
import { EXAMPLE_POLICY, jsonLines, runMeshguard } from '../helpers/cli.js';
import { compileYaml } from '../helpers/policy.js';
import { ensureDist } from '../parity/dist.js';

const dir = mkdtempSync(join(tmpdir(), 'meshguard-etd-'));
const GOOD = readFileSync(new URL('../../examples/requests.jsonl', import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('{"attributes":{"source":{"address') || l.includes('outbound')).join('\n') + '\n';
const EXAMPLE_TESTS = new URL('../../examples/tests/shop.test.yaml', import.meta.url).pathname;

beforeAll(() => ensureDist(), 120_000);

describe('meshguard explain', () => {
  it("walks DESIGN.md's steps and ends with check's verdict, line for line", async () => {
    const explained = await runMeshguard(['explain', '--policy', EXAMPLE_POLICY, '--output', 'json'], GOOD);
    const checked = await runMeshguard(['check', '--policy', EXAMPLE_POLICY], GOOD);
    expect(explained.code).toBe(0);
    const docs = jsonLines(explained.stdout) as { steps: { step: number | null; name: string; outcome: string; items: { name: string; outcome: string; detail: string; items: { detail: string }[] }[] }[]; verdict: unknown }[];
    expect(docs.map((d) => d.verdict)).toEqual(jsonLines(checked.stdout));
    expect(docs.length).toBeGreaterThan(3);
    const deleteLine = docs.find((d) => JSON.stringify(d.verdict).includes('DELETE'))!;
    expect(deleteLine.steps.map((s) => s.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const tried = deleteLine.steps.find((s) => s.step === 7)!.items;
    expect(tried.map((i) => i.name)).toEqual(['segment web-to-api', 'segment monitoring-scrape']);
    expect(tried[0]!.items[0]!.detail).toBe('method DELETE is not one of GET,POST');
    expect(tried[1]).toMatchObject({ outcome: 'no-match', detail: 'from does not admit spiffe://cluster.local/ns/shop/sa/frontend' });
  });

  it('text output names the rule that failed and why', async () => {
    const line = GOOD.split('\n').find((l) => l.includes('DELETE'))!;
    const r = await runMeshguard(['explain', '--policy', EXAMPLE_POLICY], line);
    expect(r.stdout).toMatch(/7\. segment match: .*\n {4}segment web-to-api: from admits the source; 1 rule\(s\), first match wins\n {6}rule 1 \[no\]: method DELETE is not one of GET,POST/);
    expect(r.stdout).toMatch(/verdict: \{"decision":"deny","status":403,"rule":null,"reason":"no segment allows/);
  });

  it('the trace comes from the decision itself: tracing changes no verdict (every request of a policy)', () => {
    const policy = compileYaml(readFileSync(EXAMPLE_POLICY, 'utf8'));
    const plain = new Authorizer(policy, new LocalRateLimitStore());
    const traced = new Authorizer(policy, new LocalRateLimitStore());
    for (const line of GOOD.trim().split('\n')) {
      const input = toCheckInput(JSON.parse(line));
      const trace = new Trace();
      expect(traced.check(input, trace)).toEqual(plain.check(input));
      expect(trace.entries.length).toBeGreaterThan(2);
    }
  });
});

describe('meshguard test', () => {
  it('passes the example tests', async () => {
    const r = await runMeshguard(['test', EXAMPLE_TESTS]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/PASS: 6 of 6 policy tests passed\n$/);
  });

  it('a wrong expectation fails with exit 1 and a readable diff', async () => {
    const file = join(dir, 'wrong.test.yaml');
    writeFileSync(file, readFileSync(EXAMPLE_TESTS, 'utf8').replace('../shop.yaml', EXAMPLE_POLICY).replace('expect: { decision: deny, status: 403, rule: null }', 'expect: { decision: allow, rule: web-to-api }'));
    const r = await runMeshguard(['test', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain([
      `FAIL ${file}:7: the frontend cannot delete items`,
      '  - decision: "allow"',
      '  + decision: "deny"',
      '  - rule: "web-to-api"',
      '  + rule: null',
    ].join('\n'));
    expect(r.stdout).toMatch(/FAIL: 5 of 6 policy tests passed/);
  });

  it('a file that is not a test file is exit 2 with its position', async () => {
    const file = join(dir, 'broken.test.yaml');
    writeFileSync(file, 'policy: x.yaml\ntests:\n  - name: a\n    request: { to: shop/api }\n    expect: { verdict: allow }\n');
    const r = await runMeshguard(['test', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${file}:5: /tests/0/expect: must NOT have additional properties \\(verdict\\)`));
  });
});

describe('meshguard diff', () => {
  it('lists the flows a change opens and closes, with the rules, and settings', async () => {
    const text = readFileSync(EXAMPLE_POLICY, 'utf8');
    const next = join(dir, 'next.yaml');
    writeFileSync(next, text.replace('methods: [GET, POST]', 'methods: [GET]').replace('mtls: strict', 'mtls: permissive'));
    const r = await runMeshguard(['diff', EXAMPLE_POLICY, next, '--output', 'json']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as { opened: unknown[]; closed: { from: string; to: string; method: string; by: string[] }[]; settings: unknown[] };
    expect(d.opened).toEqual([]);
    expect(d.closed).toContainEqual(expect.objectContaining({ from: 'shop/frontend', to: 'shop/api', method: 'POST', path: '/api/*', port: '8080', by: ['segment web-to-api'] }));
    expect(d.closed.every((f) => f.method === 'POST')).toBe(true);
    expect(d.settings).toEqual([{ setting: 'defaults.mtls', old: 'strict', new: 'permissive' }]);
    const text2 = await runMeshguard(['diff', next, EXAMPLE_POLICY, '--exit-code']);
    expect(text2.code).toBe(1);
    expect(text2.stdout).toMatch(/^Opened \(allowed by NEW, not by OLD\):\n {2}\+ shop\/frontend → shop\/api: POST \/api\/\* :8080 {4}\(segment web-to-api\)/);
    expect((await runMeshguard(['diff', EXAMPLE_POLICY, EXAMPLE_POLICY, '--exit-code'])).code).toBe(0);
  });
});

describe('meshguard replay: which workload judges a request', () => {
  it('a request naming another workload is judged for that workload, as check does', async () => {
    const r = await runMeshguard(['replay', '--policy', EXAMPLE_POLICY, '--workload', 'shop/db'], GOOD);
    const c = await runMeshguard(['check', '--policy', EXAMPLE_POLICY], GOOD);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout)).toEqual(jsonLines(c.stdout));
  }, 60_000);
});
