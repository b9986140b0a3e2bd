// The segmentation graph as a standalone SVG (no Graphviz needed). A graph a person can read
// (routed-layout.ts: up to ROUTED_MAX_NODES nodes and ROUTED_MAX_EDGES edges) is laid out by ELK:
// edges routed around the nodes, every label whole. A larger one gets layout.ts's banded layout,
// where edges are drawn faint and the picture reads as density, with the per-workload detail one
// click away in the live view (or in `graph --format dot`).
// Nodes carry data-i (index), data-id and, for workloads, data-workload; edges carry data-e (index),
// data-f / data-t (the indices of their ends), so the live view can highlight one workload's calls.
// Up to DETAILED_EDGES edges each gets a <title> with the rules that allow it.
import { DEFAULT_LAYOUT, layeredLayout, type Layout, type LayoutOptions } from './layout.js';
import { edgeLabel, type GraphEdge, type SegmentationGraph } from './model.js';
import { fitsRoutedLayout, LABEL_FONT, LABEL_LINE, NODE_FONT, routedLayout, type Point, type RoutedLayout } from './routed-layout.js';

const MAX_EDGE_LABELS = 150;
const DETAILED_EDGES = 2000;
const CHAR_WIDTH = 6.2;

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function fit(text: string, width: number): string {
  const max = Math.max(4, Math.floor(width / CHAR_WIDTH));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const STYLE = `
.band rect{fill:#f8fafc;stroke:#cbd5e1}.band text{fill:#475569;font-weight:600}
.node rect{fill:#dbeafe;stroke:#3b82f6}.node.namespace rect,.node.prefix rect{fill:#fff;stroke:#64748b;stroke-dasharray:4 3}
.node.principal rect{fill:#fff;stroke:#64748b}.node.host rect,.node.cidr rect{fill:#fef3c7;stroke:#b45309}
.node text{fill:#0f172a}.edge{fill:none;stroke:#64748b;stroke-opacity:.55;marker-end:url(#mg-arrow)}
.dense .edge{stroke-opacity:.12;marker-end:none}.edge.egress{stroke:#b45309;stroke-dasharray:5 3}.edge-label{fill:#334155;font-size:9px}
.routed .edge{stroke-opacity:.8}.routed .edge-label{font-size:${LABEL_FONT}px}.edge-label rect{fill:#fff;fill-opacity:.9}
.focus .edge{stroke-opacity:.04}.focus .edge.on{stroke:#7c3aed;stroke-opacity:.9;stroke-width:1.5;marker-end:url(#mg-arrow)}
`;

function edgePath(e: GraphEdge, layout: Layout, o: LayoutOptions): string {
  const a = layout.nodes.get(e.from)!;
  const b = layout.nodes.get(e.to)!;
  const sx = a.x + o.nodeWidth;
  const sy = Math.round(a.y + o.nodeHeight / 2);
  if (e.kind === 'egress') {
    // Down into the host grid: from the bottom of the caller to the top of the host.
    const fx = Math.round(a.x + o.nodeWidth / 2);
    const fy = a.y + o.nodeHeight;
    const tx = Math.round(b.x + o.nodeWidth / 2);
    const bend = Math.max(30, Math.round((b.y - fy) / 2));
    return `M${fx},${fy}C${fx},${fy + bend} ${tx},${b.y - bend} ${tx},${b.y}`;
  }
  const ty = Math.round(b.y + o.nodeHeight / 2);
  if (b.x > sx) {
    const dx = Math.round(Math.max(40, (b.x - sx) / 2));
    return `M${sx},${sy}C${sx + dx},${sy} ${b.x - dx},${ty} ${b.x},${ty}`;
  }
  // Same or earlier column (a cycle, or a call within the layer): loop out to the right and back in from the left.
  const out = Math.max(sx, b.x + o.nodeWidth) + 40;
  return `M${sx},${sy}C${out},${sy} ${b.x - 60},${ty} ${b.x},${ty}`;
}

function edges(graph: SegmentationGraph, layout: Layout, o: LayoutOptions, index: ReadonlyMap<string, number>): string[] {
  const detailed = graph.edges.length <= DETAILED_EDGES;
  const out = [`<g class="edges${detailed ? '' : ' dense'}">`];
  for (const [i, e] of graph.edges.entries()) {
    const head = `<path class="edge ${e.kind}" data-e="${i}" data-f="${index.get(e.from)}" data-t="${index.get(e.to)}" d="${edgePath(e, layout, o)}"`;
    out.push(detailed ? `${head}>${edgeTitle(e)}</path>` : `${head}/>`);
  }
  out.push('</g>');
  if (graph.edges.length > MAX_EDGE_LABELS) return out;
  out.push('<g class="edge-labels">');
  for (const e of graph.edges) {
    const a = layout.nodes.get(e.from)!;
    const b = layout.nodes.get(e.to)!;
    const x = (a.x + o.nodeWidth + b.x) / 2;
    const y = (a.y + b.y + o.nodeHeight) / 2 - 3;
    out.push(`<text class="edge-label" x="${x.toFixed(1)}" y="${y.toFixed(1)}" text-anchor="middle">${xmlEscape(fit(edgeLabel(e), o.columnGap + 40))}</text>`);
  }
  out.push('</g>');
  return out;
}

function header(graph: SegmentationGraph, width: number, height: number, layout: 'routed' | 'banded'): string[] {
  const w = Math.ceil(width);
  const h = Math.ceil(height);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="meshguard-graph ${layout}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="Helvetica, Arial, sans-serif" font-size="${NODE_FONT}">`,
    `<title>${xmlEscape(`${graph.policy} (${graph.version}): ${graph.nodes.length} nodes, ${graph.edges.length} edges`)}</title>`,
    `<defs><marker id="mg-arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" fill="#64748b"/></marker><style>${STYLE}</style></defs>`,
  ];
}

function nodeTitle(graph: SegmentationGraph, i: number): string {
  const n = graph.nodes[i]!;
  const workload = n.kind === 'workload' ? ` data-workload="${xmlEscape(n.id.slice(2))}"` : '';
  return `class="node ${n.kind}" data-i="${i}" data-id="${xmlEscape(n.id)}"${workload}`;
}

function edgeTitle(e: GraphEdge): string {
  return `<title>${xmlEscape(e.rules.map((r) => `${r.name}: ${r.allows}`).join('\n'))}</title>`;
}

/** A polyline with its corners rounded. */
function roundedPath(points: readonly Point[], radius = 5): string {
  const f = (n: number) => String(Math.round(n * 10) / 10);
  if (points.length === 0) return '';
  const out = [`M${f(points[0]!.x)},${f(points[0]!.y)}`];
  for (let i = 1; i < points.length - 1; i++) {
    const [a, b, c] = [points[i - 1]!, points[i]!, points[i + 1]!];
    const r = Math.min(radius, Math.hypot(b.x - a.x, b.y - a.y) / 2, Math.hypot(c.x - b.x, c.y - b.y) / 2);
    const towards = (p: Point, q: Point) => {
      const d = Math.hypot(q.x - p.x, q.y - p.y) || 1;
      return { x: p.x + ((q.x - p.x) * r) / d, y: p.y + ((q.y - p.y) * r) / d };
    };
    const p1 = towards(b, a);
    const p2 = towards(b, c);
    out.push(`L${f(p1.x)},${f(p1.y)}Q${f(b.x)},${f(b.y)} ${f(p2.x)},${f(p2.y)}`);
  }
  const last = points[points.length - 1]!;
  out.push(`L${f(last.x)},${f(last.y)}`);
  return out.join('');
}

/** The routed picture: edges first, then their labels (on a light plate), then the nodes. */
function routedSvg(graph: SegmentationGraph, layout: RoutedLayout): string {
  const index = new Map(graph.nodes.map((n, i) => [n.id, i]));
  const out = [...header(graph, layout.width, layout.height, 'routed'), '<g class="bands">'];
  for (const b of layout.groups) {
    out.push(`<g class="band" data-group="${xmlEscape(b.group)}"><rect x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" rx="6"/><text x="${b.x + 10}" y="${b.y + 17}">${xmlEscape(b.group)}</text></g>`);
  }
  out.push('</g>', '<g class="edges">');
  layout.edges.forEach((r) => {
    const e = r.edge;
    out.push(`<path class="edge ${e.kind}" data-e="${r.index}" data-f="${index.get(e.from)}" data-t="${index.get(e.to)}" d="${roundedPath(r.points)}">${edgeTitle(e)}</path>`);
  });
  out.push('</g>', `<g class="edge-labels" font-size="${LABEL_FONT}">`);
  for (const r of layout.edges) {
    if (!r.label) continue;
    const l = r.label;
    const lines = l.lines.map((line, i) => `<tspan x="${l.x + 3}" y="${l.y + 10 + i * LABEL_LINE}">${xmlEscape(line)}</tspan>`).join('');
    out.push(`<g class="edge-label" data-e="${r.index}"><rect x="${l.x}" y="${l.y}" width="${l.width}" height="${l.height}" rx="2"/><text>${lines}</text>${edgeTitle(r.edge)}</g>`);
  }
  out.push('</g>', '<g class="nodes">');
  graph.nodes.forEach((n, i) => {
    const p = layout.nodes.get(n.id)!;
    out.push(`<g ${nodeTitle(graph, i)} transform="translate(${p.x},${p.y})"><title>${xmlEscape(n.title)}</title><rect width="${p.width}" height="${p.height}" rx="4"/><text x="10" y="${p.height / 2 + 4}">${xmlEscape(n.label)}</text></g>`);
  });
  out.push('</g></svg>');
  return out.join('\n') + '\n';
}

/** The SVG of a graph: routed by ELK when it is small enough to read edge by edge, banded otherwise. */
export async function toSvg(graph: SegmentationGraph): Promise<string> {
  return fitsRoutedLayout(graph) ? routedSvg(graph, await routedLayout(graph)) : bandedSvg(graph);
}

/** The banded layout (layout.ts) for large graphs; synchronous and fast at thousands of edges. */
export function bandedSvg(graph: SegmentationGraph, o: LayoutOptions = DEFAULT_LAYOUT): string {
  const layout = layeredLayout(graph, o);
  const index = new Map(graph.nodes.map((n, i) => [n.id, i]));
  const out: string[] = [...header(graph, layout.width, layout.height, 'banded'), '<g class="bands">'];
  for (const b of layout.bands) {
    out.push(`<g class="band" data-group="${xmlEscape(b.group)}"><rect x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" rx="6"/><text x="${b.x + 8}" y="${b.y + 15}">${xmlEscape(b.group)}</text></g>`);
  }
  out.push('</g>', ...edges(graph, layout, o, index), '<g class="nodes">');
  graph.nodes.forEach((n, i) => {
    const p = layout.nodes.get(n.id)!;
    out.push(`<g ${nodeTitle(graph, i)} transform="translate(${p.x},${p.y})"><title>${xmlEscape(n.title)}</title><rect width="${o.nodeWidth}" height="${o.nodeHeight}" rx="4"/><text x="8" y="${o.nodeHeight / 2 + 4}">${xmlEscape(fit(n.label, o.nodeWidth - 16))}</text></g>`);
  });
  out.push('</g></svg>');
  return out.join('\n') + '\n';
}
