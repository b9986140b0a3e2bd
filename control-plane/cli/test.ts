// `meshguard test FILE…`: policy unit tests (test-file.ts describes the YAML). Each request is
// decided as `check` decides it; a test whose verdict differs from its expectation fails with a
// diff. Exit 1 when any test fails, 2 when a file cannot be read or is not a test file.
import path from 'node:path';
import { toCheckInput, RequestFieldError } from '../authz/check-request.js';
import { Authorizer } from '../authorizer/authorizer.js';
import { LocalRateLimitStore } from '../authorizer/rate-limit.js';
import { toVerdict, type Verdict } from '../engine/verdict.js';
import { EXIT } from './exit.js';
import { readText } from './io.js';
import { loadPolicyForCommand } from './policy.js';
import type { CommandSpec } from './spec.js';
import { checkRequestOf, parseTestFile, type Expectation, type PolicyTest } from './test-file.js';

const FIELDS = ['decision', 'status', 'rule', 'reason'] as const;

/** The diff lines (`- expected` / `+ got`) of a verdict against an expectation; empty when it holds. */
export function verdictDiff(want: Expectation, got: Verdict): string[] {
  const out: string[] = [];
  for (const f of FIELDS) {
    if (!(f in want)) continue;
    const expected = want[f];
    const holds = f === 'reason' ? got.reason.includes(expected as string) : got[f] === expected;
    if (holds) out.push(`    ${f}: ${JSON.stringify(got[f])}`);
    else out.push(`  - ${f}: ${JSON.stringify(expected)}${f === 'reason' ? ' (a substring)' : ''}`, `  + ${f}: ${JSON.stringify(got[f])}`);
  }
  return out.some((l) => l.startsWith('  -')) ? out : [];
}

async function runTest(authorizer: Authorizer, t: PolicyTest): Promise<{ verdict: Verdict } | { error: string }> {
  try {
    const input = toCheckInput(t.checkRequest ?? checkRequestOf(t.request!));
    return { verdict: toVerdict(await authorizer.check(input)) };
  } catch (err) {
    if (err instanceof RequestFieldError) return { error: err.message };
    throw err;
  }
}

interface Tally { passed: number; failed: number; broken: number }

async function runFile(file: string, tally: Tally, verbose: boolean): Promise<void> {
  const parsed = parseTestFile(await readText(file, 'FILE'), file);
  if (!parsed.ok) {
    tally.broken++;
    for (const e of parsed.errors) process.stderr.write(`${e}\n`);
    return;
  }
  const policyFile = path.resolve(path.dirname(file), parsed.value.policy);
  const loaded = await loadPolicyForCommand(policyFile, { warnings: false });
  if (!loaded.ok) {
    tally.broken++;
    process.stderr.write(`${file}: policy ${parsed.value.policy} cannot be used (above)\n`);
    return;
  }
  const out: string[] = [];
  let failed = 0;
  for (const t of parsed.value.tests) {
    // A fresh bucket per test: a test does not spend another's rate-limit tokens.
    const result = await runTest(new Authorizer(loaded.compiled, new LocalRateLimitStore()), t);
    const diff = 'error' in result ? [`  bad request: ${result.error}`] : verdictDiff(t.expect, result.verdict);
    if (diff.length === 0) {
      if (verbose) out.push(`ok   ${file}:${t.line}: ${t.name}`);
      continue;
    }
    failed++;
    out.push(`FAIL ${file}:${t.line}: ${t.name}`, ...diff);
    if ('verdict' in result) out.push(`    (got ${JSON.stringify(result.verdict)})`);
  }
  tally.failed += failed;
  tally.passed += parsed.value.tests.length - failed;
  out.push(`${failed === 0 ? 'ok  ' : 'FAIL'} ${file}: ${parsed.value.tests.length - failed} of ${parsed.value.tests.length} passed`);
  process.stdout.write(out.join('\n') + '\n');
}

export const command: CommandSpec = {
  name: 'test',
  summary: 'run policy unit tests (requests with expected verdicts)',
  description: 'Runs policy unit tests: YAML files of requests with expected verdicts, decided as `check` decides them; a test that fails prints a diff (- expected, + got). For CI, like `opa test`.',
  positionals: [{ name: 'FILE', variadic: true, help: 'test files (YAML: policy, tests[].name, request or checkRequest, expect)' }],
  flags: [{ name: 'verbose', help: 'list passing tests too' }],
  details: `A test file:
  policy: shop.yaml                  # relative to the test file
  tests:
    - name: the frontend lists items
      request: { from: spiffe://cluster.local/ns/shop/sa/frontend, to: shop/api, method: GET, path: /api/items, port: 8080 }
      expect: { decision: allow, rule: web-to-api }
    - name: payments reaches Stripe
      request: { direction: outbound, to: shop/payments, host: api.stripe.com, port: 443 }
      expect: { decision: allow }
request fields: to (or workload), from, direction (inbound|outbound), method, path, host, port,
sourceAddress, destinationAddress, sni, headers; or checkRequest: a full Envoy CheckRequest.
expect fields: decision, status, rule (null for none), reason (a substring).`,
  async run(args) {
    const tally: Tally = { passed: 0, failed: 0, broken: 0 };
    for (const file of args.positionals) await runFile(file, tally, args.flag('verbose'));
    const total = tally.passed + tally.failed;
    process.stdout.write(`${tally.failed === 0 && tally.broken === 0 ? 'PASS' : 'FAIL'}: ${tally.passed} of ${total} policy tests passed${tally.broken > 0 ? `; ${tally.broken} file(s) could not be run` : ''}\n`);
    return tally.broken > 0 ? EXIT.USAGE : tally.failed > 0 ? EXIT.FINDINGS : EXIT.OK;
  },
};
