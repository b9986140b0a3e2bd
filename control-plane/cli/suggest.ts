// `meshguard suggest`: a least-privilege policy from observed flows (CheckRequest JSONL).
import { stringify } from 'yaml';
import { RequestFieldError, toCheckInput } from '../authz/check-request.js';
import type { CompiledPolicy } from '../policy/compiled.js';
import { flowOf, suggestPolicy, type Flow } from '../telemetry/suggest.js';
import { EXIT } from './exit.js';
import { readLines } from './io.js';
import { loadPolicyForCommand } from './policy.js';
import type { CommandSpec } from './spec.js';

async function readFlows(source: string): Promise<{ flows: Flow[]; bad: number }> {
  const flows: Flow[] = [];
  let n = 0;
  let bad = 0;
  let skipped = 0;
  for await (const line of await readLines(source, '--flows')) {
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
  return { flows, bad };
}

export const command: CommandSpec = {
  name: 'suggest',
  summary: 'suggest a least-privilege policy from observed flows',
  description: 'Writes a least-privilege policy (YAML, on stdout) that allows exactly the observed flows; paths with ids become prefixes. `validate` accepts it; review it before use.',
  flags: [
    { name: 'flows', value: 'FILE|-', default: '-', help: 'observed traffic: Envoy CheckRequests (JSONL) with the meshguard.io/workload context extension; - reads stdin' },
    { name: 'policy', value: 'FILE', help: 'an existing policy whose inventory, trust domain and defaults to keep' },
    { name: 'name', value: 'NAME', default: 'suggested', help: "the new policy's metadata.name" },
  ],
  async run(args) {
    let known: CompiledPolicy | null = null;
    const policyFile = args.string('policy');
    if (policyFile !== undefined) {
      const loaded = await loadPolicyForCommand(policyFile);
      if (!loaded.ok) return loaded.status;
      known = loaded.compiled;
    }
    const { flows, bad } = await readFlows(args.need('flows'));
    const doc = suggestPolicy(flows, known, args.need('name'));
    const header = `# Suggested by meshguard from ${flows.length} observed flow(s): it allows exactly what was seen\n# (paths with ids become prefixes). Review before use.\n`;
    process.stdout.write(header + stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false }));
    return bad > 0 ? EXIT.USAGE : EXIT.OK;
  },
};
