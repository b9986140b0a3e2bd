// `meshguard graph --policy FILE [--format dot|mermaid|svg]`: the segmentation graph on stdout.
import { buildGraph } from '../graph/model.js';
import { toSvg } from '../graph/svg.js';
import { toDot, toMermaid } from '../graph/text-formats.js';
import { parse, required, UsageError } from './args.js';
import { loadForRender } from './render.js';

const RENDERERS = { dot: toDot, mermaid: toMermaid, svg: (g: Parameters<typeof toSvg>[0]) => toSvg(g) } as const;

export async function graphCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { policy: { type: 'string' }, format: { type: 'string', default: 'dot' } });
  const format = values.format as string;
  if (!(format in RENDERERS)) throw new UsageError(`--format must be one of ${Object.keys(RENDERERS).join('|')}`);
  const policy = await loadForRender(required(values, 'policy'));
  if (!policy) return 1;
  process.stdout.write(RENDERERS[format as keyof typeof RENDERERS](buildGraph(policy)));
  return 0;
}
