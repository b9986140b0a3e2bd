// `meshguard diff OLD NEW`: the flows a policy change opens and closes, for change review.
import { ANY, diffPolicies, type Flow, type PolicyDiff } from '../graph/flows.js';
import { EXIT } from './exit.js';
import { loadPolicyForCommand } from './policy.js';
import type { CommandSpec } from './spec.js';

export function flowText(f: Flow): string {
  if (f.kind === 'egress') return `${f.from} → ${f.to}${f.port === ANY ? ' (any port)' : `:${f.port}`}`;
  const request = f.method === ANY && f.path === ANY && f.port === ANY ? 'any request' : `${f.method === ANY ? 'any method' : f.method} ${f.path === ANY ? 'any path' : f.path} ${f.port === ANY ? 'any port' : `:${f.port}`}`;
  return `${f.from} → ${f.to}: ${request}`;
}

export function diffText(d: PolicyDiff): string {
  const section = (title: string, sign: string, flows: readonly Flow[]) =>
    flows.length === 0 ? [] : [title, ...flows.map((f) => `  ${sign} ${flowText(f)}    (${f.by.join(', ')})`), ''];
  const lines = [
    ...section('Opened (allowed by NEW, not by OLD):', '+', d.opened.filter((f) => f.kind === 'inbound')),
    ...section('Closed (allowed by OLD, not by NEW):', '-', d.closed.filter((f) => f.kind === 'inbound')),
    ...section('Egress opened:', '+', d.opened.filter((f) => f.kind === 'egress')),
    ...section('Egress closed:', '-', d.closed.filter((f) => f.kind === 'egress')),
    ...(d.workloadsAdded.length + d.workloadsRemoved.length === 0 ? [] : ['Inventory:', ...d.workloadsAdded.map((w) => `  + ${w}`), ...d.workloadsRemoved.map((w) => `  - ${w}`), '']),
    ...(d.settings.length === 0 ? [] : ['Settings:', ...d.settings.map((s) => `  ~ ${s.setting}: ${s.old} → ${s.new}`), '']),
  ];
  return lines.length === 0 ? 'no change in allowed flows, inventory or settings\n' : lines.join('\n');
}

export const command: CommandSpec = {
  name: 'diff',
  summary: 'show the flows a policy change opens and closes',
  description: 'Shows what a policy change opens and closes: inbound flows (source → workload, method, path, port), egress (workload → host or CIDR, port), inventory and settings, each with the rules that allow it.',
  positionals: [{ name: 'OLD', help: 'the policy before the change' }, { name: 'NEW', help: 'the policy after the change' }],
  flags: [
    { name: 'output', value: 'FORMAT', choices: ['text', 'json'], default: 'text', help: 'text for review; json: {opened, closed, workloadsAdded, workloadsRemoved, settings}' },
    { name: 'exit-code', help: 'exit 1 when anything differs (like git diff --exit-code)' },
  ],
  details: 'A rule of several methods, paths and ports is compared as every combination of them; * is any. Patterns are compared as written: narrowing /api/* to /api/items shows /api/* closed and /api/items opened.',
  async run(args) {
    const [oldFile, newFile] = args.positionals;
    const before = await loadPolicyForCommand(oldFile!, { warnings: false });
    if (!before.ok) return before.status;
    const after = await loadPolicyForCommand(newFile!, { warnings: false });
    if (!after.ok) return after.status;
    const d = diffPolicies(before.compiled, after.compiled);
    process.stdout.write(args.string('output') === 'json' ? JSON.stringify(d, null, 2) + '\n' : diffText(d));
    const changed = d.opened.length + d.closed.length + d.workloadsAdded.length + d.workloadsRemoved.length + d.settings.length > 0;
    return args.flag('exit-code') && changed ? EXIT.FINDINGS : EXIT.OK;
  },
};
