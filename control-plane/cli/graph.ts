// `meshguard graph --policy FILE [--format dot|mermaid|svg]`: the segmentation graph on stdout.
import { buildGraph } from '../graph/model.js';
import { toSvg } from '../graph/svg.js';
import { toDot, toMermaid } from '../graph/text-formats.js';
import { POLICY_FLAG } from './check.js';
import { loadPolicyForCommand } from './policy.js';
import type { CommandSpec } from './spec.js';

const RENDERERS = { dot: toDot, mermaid: toMermaid, svg: toSvg } as const;

export const command: CommandSpec = {
  name: 'graph',
  summary: 'draw the segmentation graph (DOT, Mermaid, SVG)',
  description: 'Draws the segmentation graph: workloads grouped by namespace, the identities segments admit, external hosts; one edge per allowed call or egress, labelled with methods, paths and ports.',
  flags: [
    POLICY_FLAG,
    { name: 'format', value: 'FORMAT', choices: Object.keys(RENDERERS), default: 'dot', help: 'dot (Graphviz), mermaid, or a standalone svg' },
  ],
  async run(args) {
    const loaded = await loadPolicyForCommand(args.need('policy'));
    if (!loaded.ok) return loaded.status;
    process.stdout.write(await RENDERERS[args.need('format') as keyof typeof RENDERERS](buildGraph(loaded.compiled)));
    return 0;
  },
};
