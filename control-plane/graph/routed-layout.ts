// The segmentation graph laid out by ELK (elkjs, the Eclipse Layout Kernel's layered algorithm):
// namespaces as boxes that hold their workloads, calls flowing left to right, every edge routed
// orthogonally around the nodes (never through one), and every label given the room it needs
// (ELK reserves space for edge labels between the layers, so nothing is cut). Node widths follow
// their labels (text-width.ts). ELK runs on the calling thread and grows quickly with the number
// of edges, so it is used for graphs a person can read (ROUTED_MAX_*); larger ones get the fast
// banded layout of layout.ts.
import elkModule from 'elkjs';
import type { ElkExtendedEdge, ElkNode } from 'elkjs';
import { edgeLabel, EGRESS_GROUP, type GraphEdge, type SegmentationGraph } from './model.js';
import { textWidth, wrapWords } from './text-width.js';

/** Above these sizes the graph is a picture of density, not of single calls: layout.ts draws it. */
export const ROUTED_MAX_NODES = 80;
export const ROUTED_MAX_EDGES = 150;

export const NODE_FONT = 11;
export const LABEL_FONT = 10;
export const LABEL_LINE = 12;
export const NODE_HEIGHT = 26;
const NODE_PADDING = 10;
const MIN_NODE_WIDTH = 60;
const LABEL_CHARS = 18;
const MAX_LABEL_LINES = 6;
const GROUP_TOP = 26;

export interface Box { readonly x: number; readonly y: number; readonly width: number; readonly height: number }
export interface Point { readonly x: number; readonly y: number }

export interface RoutedEdge {
  readonly edge: GraphEdge;
  /** The edge's position in graph.edges (the SVG's data-e). */
  readonly index: number;
  /** Start, bends, end (absolute coordinates). */
  readonly points: readonly Point[];
  readonly label: (Box & { readonly lines: readonly string[] }) | null;
}

export interface RoutedLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: ReadonlyMap<string, Box>;
  readonly groups: readonly (Box & { readonly group: string })[];
  readonly edges: readonly RoutedEdge[];
}

export function fitsRoutedLayout(graph: SegmentationGraph): boolean {
  return graph.nodes.length <= ROUTED_MAX_NODES && graph.edges.length <= ROUTED_MAX_EDGES;
}

/** An edge's label as lines: one rule per line, long rules wrapped, at most MAX_LABEL_LINES. */
export function edgeLabelLines(e: GraphEdge): string[] {
  const lines = edgeLabel(e).split(/; | \| /).flatMap((rule) => wrapWords(rule, LABEL_CHARS));
  if (lines.length <= MAX_LABEL_LINES) return lines;
  return [...lines.slice(0, MAX_LABEL_LINES - 1), `… ${lines.length - MAX_LABEL_LINES + 1} more lines (hover)`];
}

export function nodeWidth(label: string): number {
  return Math.max(MIN_NODE_WIDTH, textWidth(label, NODE_FONT) + 2 * NODE_PADDING);
}

function groupOrder(a: string, b: string): number {
  return a === EGRESS_GROUP ? 1 : b === EGRESS_GROUP ? -1 : a.localeCompare(b);
}

const ROOT_OPTIONS = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.layered.spacing.nodeNodeBetweenLayers': '20',
  'elk.layered.spacing.edgeNodeBetweenLayers': '10',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '8',
  'elk.spacing.nodeNode': '16',
  'elk.spacing.edgeNode': '12',
  'elk.spacing.edgeEdge': '8',
  'elk.spacing.edgeLabel': '3',
  'elk.spacing.componentComponent': '24',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.padding': '[top=8,left=8,bottom=8,right=8]',
};

const GROUP_OPTIONS = {
  'elk.padding': `[top=${GROUP_TOP},left=12,bottom=12,right=12]`,
  'elk.nodeLabels.placement': 'INSIDE V_TOP H_LEFT',
};

export async function routedLayout(graph: SegmentationGraph): Promise<RoutedLayout> {
  const groups = new Map<string, ElkNode[]>();
  for (const n of graph.nodes) {
    const members = groups.get(n.group) ?? groups.set(n.group, []).get(n.group)!;
    members.push({ id: n.id, width: nodeWidth(n.label), height: NODE_HEIGHT });
  }
  const labels = graph.edges.map(edgeLabelLines);
  const root: ElkNode = {
    id: '(root)',
    layoutOptions: ROOT_OPTIONS,
    children: [...groups].sort(([a], [b]) => groupOrder(a, b)).map(([group, children]) => ({
      id: `(group) ${group}`,
      labels: [{ text: group, width: textWidth(group, NODE_FONT + 1), height: 14 }],
      layoutOptions: GROUP_OPTIONS,
      children,
    })),
    edges: graph.edges.map((e, i): ElkExtendedEdge => ({
      id: `e${i}`,
      sources: [e.from],
      targets: [e.to],
      labels: [{ text: labels[i]!.join('\n'), width: Math.max(...labels[i]!.map((l) => textWidth(l, LABEL_FONT))) + 6, height: labels[i]!.length * LABEL_LINE + 2 }],
    })),
  };
  const ELK = elkModule.default ?? elkModule;
  const out = await new ELK().layout(root);

  const offset = new Map<string, Point>([['(root)', { x: 0, y: 0 }]]);
  const nodes = new Map<string, Box>();
  const placedGroups: (Box & { group: string })[] = [];
  for (const g of out.children ?? []) {
    offset.set(g.id, { x: g.x!, y: g.y! });
    placedGroups.push({ group: g.id.slice('(group) '.length), x: g.x!, y: g.y!, width: g.width!, height: g.height! });
    for (const n of g.children ?? []) nodes.set(n.id, { x: g.x! + n.x!, y: g.y! + n.y!, width: n.width!, height: n.height! });
  }
  const edges = (out.edges ?? []).map((e): RoutedEdge => {
    const i = Number(e.id.slice(1));
    // Edge and label coordinates are relative to the edge's container (the lowest common ancestor).
    const o = offset.get((e as ElkExtendedEdge).container ?? '(root)') ?? { x: 0, y: 0 };
    const s = (e as ElkExtendedEdge).sections?.[0];
    const points = s ? [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p) => ({ x: p.x + o.x, y: p.y + o.y })) : [];
    const l = e.labels?.[0];
    const label = l && labels[i]!.length > 0 ? { x: l.x! + o.x, y: l.y! + o.y, width: l.width!, height: l.height!, lines: labels[i]! } : null;
    return { edge: graph.edges[i]!, index: i, points, label };
  });
  return { width: Math.ceil(out.width!), height: Math.ceil(out.height!), nodes, groups: placedGroups, edges };
}
