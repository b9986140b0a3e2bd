// `meshguard suggest`: a least-privilege policy from observed flows (CheckRequest JSONL).
import { stringify } from 'yaml';
import { RequestFieldError, toCheckInput } from '../authz/check-request.js';
import type { CompiledPolicy } from '../policy/compiled.js';
import { flowOf, suggestPolicy, type Flow } from '../telemetry/suggest.js';
import { parse } from './args.js';
import { readLines } from './io.js';
import { loadForRender } from './render.js';

export async function suggestCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { flows: { type: 'string', default: '-' }, policy: { type: 'string' }, name: { type: 'string', default: 'suggested' } });
  let known: CompiledPolicy | null = null;
  if (typeof values.policy === 'string') {
    known = await loadForRender(values.policy);
    if (!known) return 1;
  }
  const flows: Flow[] = [];
  let n = 0;
  let bad = 0;
  let skipped = 0;
  for await (const line of readLines(values.flows as string)) {
    n++;
    if (line.trim() === '') continue;
    try {
      const flow = flowOf(toCheckInput(JSON.parse(line)));
      if (flow) flows.push(flow);
      else skipped++;
    } catch (err) {
      if (!(err instanceof SyntaxError || err instanceof RequestFieldError)) throw err;
      bad++;
      process.stderr.write(`meshguard suggest: line ${n}: ${err.message}\n`);
    }
  }
  if (skipped > 0) process.stderr.write(`meshguard suggest: ${skipped} request(s) without a meshguard.io/workload context extension, or with a path or host that is rejected, were skipped\n`);
  const doc = suggestPolicy(flows, known, values.name as string);
  const header = `# Suggested by meshguard from ${flows.length} observed flow(s): it allows exactly what was seen\n# (paths with ids become prefixes). Review before use.\n`;
  process.stdout.write(header + stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false }));
  return bad > 0 ? 2 : 0;
}
