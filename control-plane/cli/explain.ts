// `meshguard explain`: for each CheckRequest, the decision step by step in DESIGN.md's order —
// which workload, which checks passed, which segments (or egress rules) were tried and why each
// rule matched or not — written by the engine's own decision functions as they decide (a Trace),
// then the verdict line `check` prints.
import { toCheckInput, RequestFieldError } from '../authz/check-request.js';
import { Authorizer } from '../authorizer/authorizer.js';
import { LocalRateLimitStore } from '../authorizer/rate-limit.js';
import { Trace, type TraceEntry } from '../engine/trace.js';
import { toVerdict, type Verdict } from '../engine/verdict.js';
import { answerLines } from './io.js';
import { loadPolicyForCommand } from './policy.js';
import { POLICY_FLAG, REQUESTS_FLAG } from './check.js';
import type { CommandSpec } from './spec.js';

const MARK: Record<TraceEntry['outcome'], string> = { pass: 'pass', allow: 'ALLOW', deny: 'DENY', match: 'match', 'no-match': 'no', info: '' };

function entryLines(e: TraceEntry, depth: number): string[] {
  const label = e.step === null ? e.name : `${e.step}. ${e.name}`;
  const mark = MARK[e.outcome];
  const head = `${'  '.repeat(depth)}${label}${mark === '' ? '' : ` [${mark}]`}: ${e.detail}`;
  return [head, ...e.items.flatMap((i) => entryLines(i, depth + 1))];
}

export function explainText(trace: Trace, verdict: Verdict, lineNumber: number): string {
  return [`request on line ${lineNumber}:`, ...trace.entries.flatMap((e) => entryLines(e, 1)), `  verdict: ${JSON.stringify(verdict)}`, ''].join('\n');
}

async function explainLine(authorizer: Authorizer, line: string, n: number, json: boolean): Promise<string> {
  let input;
  try {
    input = toCheckInput(JSON.parse(line));
  } catch (err) {
    if (err instanceof SyntaxError) return JSON.stringify({ error: `line ${n}: invalid JSON: ${err.message}` });
    if (err instanceof RequestFieldError) return JSON.stringify({ error: `line ${n}: ${err.message}` });
    throw err;
  }
  const trace = new Trace();
  const verdict = toVerdict(await authorizer.check(input, trace));
  return json ? JSON.stringify({ line: n, steps: trace.entries, verdict }) : explainText(trace, verdict, n);
}

export const command: CommandSpec = {
  name: 'explain',
  summary: 'explain each decision step by step: segments and rules tried',
  description: "Explains each CheckRequest's verdict step by step in DESIGN.md's order: quarantine, the workload, blocklist, mTLS, the path, which segments (or egress rules) were tried in file order and why each rule matched or not, rate limit, anomaly score. The steps are written by the same decision code `check` and ext_authz run.",
  flags: [
    POLICY_FLAG, REQUESTS_FLAG,
    { name: 'output', value: 'FORMAT', choices: ['text', 'json'], default: 'text', help: 'text for people; json: one {"line","steps","verdict"} object per request' },
  ],
  details: 'The verdict at the end of each explanation is the line `meshguard check` prints for the request (rate limits in process, a fresh bucket per run).',
  async run(args) {
    const loaded = await loadPolicyForCommand(args.need('policy'));
    if (!loaded.ok) return loaded.status;
    const authorizer = new Authorizer(loaded.compiled, new LocalRateLimitStore());
    const json = args.string('output') === 'json';
    return answerLines(args.need('requests'), (line, n) => explainLine(authorizer, line, n, json));
  },
};
