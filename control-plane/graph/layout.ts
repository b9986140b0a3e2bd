// A small layered layout (Sugiyama-style) for the segmentation graph: cycles broken by reversing
// DFS back edges, longest-path layers (calls flow left to right), namespaces as horizontal bands,
// barycentric ordering inside each (band, layer) cell, and tall cells wrapped into sub-columns so
// that hundreds of workloads stay compact. External hosts fill a grid in the bottom band, each
// under the mean position of the workloads that call it.
import { EGRESS_GROUP, type GraphNode, type SegmentationGraph } from './model.js';

export interface LayoutOptions {
  readonly nodeWidth: number;
  readonly nodeHeight: number;
  readonly rowGap: number;
  readonly columnGap: number;
  readonly subColumnGap: number;
  readonly bandPadding: number;
  readonly bandGap: number;
  readonly margin: number;
  /** Rows of a cell before it wraps into another sub-column. */
  readonly maxRows: number;
  /** Columns for the call graph (external hosts get one more); deeper layerings are compressed. */
  readonly maxLayers: number;
  readonly sweeps: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = {
  nodeWidth: 190, nodeHeight: 24, rowGap: 8, columnGap: 150, subColumnGap: 16, bandPadding: 26, bandGap: 14, margin: 16, maxRows: 8, maxLayers: 8, sweeps: 4,
};

export interface PlacedNode { readonly x: number; readonly y: number; readonly layer: number }
export interface Band { readonly group: string; readonly x: number; readonly y: number; readonly width: number; readonly height: number }
export interface Layout {
  readonly nodes: ReadonlyMap<string, PlacedNode>;
  readonly bands: readonly Band[];
  readonly width: number;
  readonly height: number;
}

interface Adjacency { succ: Map<string, string[]>; pred: Map<string, string[]> }

function adjacency(graph: SegmentationGraph): Adjacency {
  const succ = new Map<string, string[]>(graph.nodes.map((n) => [n.id, []]));
  const pred = new Map<string, string[]>(graph.nodes.map((n) => [n.id, []]));
  for (const e of graph.edges) {
    if (e.from === e.to) continue;
    succ.get(e.from)!.push(e.to);
    pred.get(e.to)!.push(e.from);
  }
  return { succ, pred };
}

/** Edges of an acyclic orientation: DFS back edges reversed (iterative: no recursion limit). */
function acyclicEdges(ids: readonly string[], adj: Adjacency): [string, string][] {
  const state = new Map<string, 1 | 2>();
  const out: [string, string][] = [];
  for (const root of ids) {
    if (state.has(root)) continue;
    const stack: { id: string; next: number }[] = [{ id: root, next: 0 }];
    state.set(root, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const succ = adj.succ.get(top.id)!;
      if (top.next >= succ.length) {
        state.set(top.id, 2);
        stack.pop();
        continue;
      }
      const to = succ[top.next++]!;
      const s = state.get(to);
      if (s === 1) out.push([to, top.id]);
      else out.push([top.id, to]);
      if (s === undefined) {
        state.set(to, 1);
        stack.push({ id: to, next: 0 });
      }
    }
  }
  return out;
}

function longestPathLayers(graph: SegmentationGraph, dag: readonly [string, string][]): Map<string, number> {
  const indegree = new Map(graph.nodes.map((n) => [n.id, 0]));
  const out = new Map<string, string[]>(graph.nodes.map((n) => [n.id, []]));
  for (const [a, b] of dag) {
    out.get(a)!.push(b);
    indegree.set(b, indegree.get(b)! + 1);
  }
  const layer = new Map(graph.nodes.map((n) => [n.id, 0]));
  const queue = graph.nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    for (const next of out.get(id)!) {
      layer.set(next, Math.max(layer.get(next)!, layer.get(id)! + 1));
      indegree.set(next, indegree.get(next)! - 1);
      if (indegree.get(next) === 0) queue.push(next);
    }
  }
  return layer;
}

/** Dense policies make long chains: squeeze the call graph's layers into `maxLayers` columns, order kept. */
function compressLayers(nodes: readonly GraphNode[], layer: Map<string, number>, maxLayers: number): void {
  const deepest = Math.max(0, ...nodes.map((n) => layer.get(n.id)!));
  if (deepest >= maxLayers) for (const n of nodes) layer.set(n.id, Math.floor((layer.get(n.id)! * (maxLayers - 1)) / deepest));
}

function bandOrder(nodes: readonly GraphNode[]): string[] {
  return [...new Set(nodes.map((n) => n.group))].sort((a, b) => a.localeCompare(b));
}

type Cells = Map<string, Map<number, string[]>>;

function cellsOf(nodes: readonly GraphNode[], layer: ReadonlyMap<string, number>): Cells {
  const cells: Cells = new Map();
  const sorted = [...nodes].sort((a, b) => a.label.localeCompare(b.label) || a.id.localeCompare(b.id));
  for (const n of sorted) {
    const band = cells.get(n.group) ?? cells.set(n.group, new Map()).get(n.group)!;
    const l = layer.get(n.id)!;
    (band.get(l) ?? band.set(l, []).get(l)!).push(n.id);
  }
  return cells;
}

/** Reorders every cell by the mean vertical position of each node's neighbours, a few times. */
function orderCells(cells: Cells, adj: Adjacency, yOf: (id: string) => number, rankOf: Map<string, number>, layers: number, sweeps: number): void {
  const byLayer = (l: number) => [...cells.values()].map((band) => band.get(l)).filter((c): c is string[] => c !== undefined);
  const reorder = (cell: string[], neighbours: Map<string, string[]>) => {
    const score = new Map(cell.map((id, i) => {
      const ns = neighbours.get(id)!;
      return [id, ns.length === 0 ? yOf(id) + i * 1e-6 : ns.reduce((s, n) => s + yOf(n), 0) / ns.length];
    }));
    cell.sort((a, b) => score.get(a)! - score.get(b)!);
    cell.forEach((id, i) => rankOf.set(id, i));
  };
  for (let s = 0; s < sweeps; s++) {
    for (let l = 1; l < layers; l++) for (const cell of byLayer(l)) reorder(cell, adj.pred);
    for (let l = layers - 2; l >= 0; l--) for (const cell of byLayer(l)) reorder(cell, adj.succ);
  }
}

interface Columns { readonly layerX: readonly number[]; readonly width: number }

function columns(cells: Cells, groups: readonly string[], layers: number, o: LayoutOptions): Columns {
  const colW = o.nodeWidth + o.subColumnGap;
  const layerX: number[] = [];
  let x = o.margin + o.bandPadding / 2;
  for (let l = 0; l < layers; l++) {
    layerX.push(x);
    const sub = Math.max(1, ...groups.map((g) => Math.ceil((cells.get(g)!.get(l)?.length ?? 0) / o.maxRows)));
    x += sub * colW - o.subColumnGap + o.columnGap;
  }
  return { layerX, width: x - o.columnGap + o.margin + o.bandPadding / 2 };
}

function bandHeight(rows: number, o: LayoutOptions): number {
  return o.bandPadding + rows * (o.nodeHeight + o.rowGap) + o.rowGap / 2;
}

/** The free slot of a grid row nearest to `want`, or -1 when the row is full. */
function nearestFree(row: boolean[], want: number): number {
  for (let d = 0; d < row.length; d++) {
    if (want - d >= 0 && !row[want - d]) return want - d;
    if (want + d < row.length && !row[want + d]) return want + d;
  }
  return -1;
}

/** Hosts and CIDRs in a grid at the bottom, each as close as it can be under the mean x of its callers. */
function placeExternal(external: readonly GraphNode[], adj: Adjacency, nodes: Map<string, PlacedNode>, width: number, top: number, layer: number, o: LayoutOptions): Band | null {
  if (external.length === 0) return null;
  const colW = o.nodeWidth + o.subColumnGap;
  const x0 = o.margin + o.bandPadding / 2;
  const perRow = Math.max(1, Math.floor((width - o.margin - o.bandPadding + o.subColumnGap) / colW));
  const meanX = new Map(external.map((n) => {
    const xs = adj.pred.get(n.id)!.map((p) => nodes.get(p)?.x ?? x0);
    return [n.id, xs.length === 0 ? x0 : xs.reduce((a, b) => a + b, 0) / xs.length];
  }));
  const rows: boolean[][] = [];
  for (const n of [...external].sort((a, b) => meanX.get(a.id)! - meanX.get(b.id)! || a.label.localeCompare(b.label))) {
    const want = Math.min(perRow - 1, Math.max(0, Math.round((meanX.get(n.id)! - x0) / colW)));
    let r = 0;
    let col = -1;
    for (; col === -1; r++) col = nearestFree(rows[r] ?? (rows[r] = Array<boolean>(perRow).fill(false)), want);
    rows[r - 1]![col] = true;
    nodes.set(n.id, { x: x0 + col * colW, y: top + o.bandPadding + (r - 1) * (o.nodeHeight + o.rowGap), layer });
  }
  return { group: EGRESS_GROUP, x: o.margin / 2, y: top, width: width - o.margin, height: bandHeight(rows.length, o) };
}

export function layeredLayout(graph: SegmentationGraph, o: LayoutOptions = DEFAULT_LAYOUT): Layout {
  const adj = adjacency(graph);
  const internal = graph.nodes.filter((n) => n.group !== EGRESS_GROUP);
  const layer = longestPathLayers(graph, acyclicEdges(graph.nodes.map((n) => n.id), adj));
  compressLayers(internal, layer, o.maxLayers);
  const layers = Math.max(0, ...internal.map((n) => layer.get(n.id)!)) + 1;
  const cells = cellsOf(internal, layer);
  const groups = bandOrder(internal);
  const { layerX, width } = columns(cells, groups, layers, o);
  const bandTop = new Map<string, number>();
  const bands: Band[] = [];
  let y = o.margin;
  for (const g of groups) {
    const height = bandHeight(Math.min(o.maxRows, Math.max(1, ...[...cells.get(g)!.values()].map((c) => c.length))), o);
    bandTop.set(g, y);
    bands.push({ group: g, x: o.margin / 2, y, width: width - o.margin, height });
    y += height + o.bandGap;
  }
  const rowH = o.nodeHeight + o.rowGap;
  const place = (group: string, l: number, rank: number): PlacedNode => ({
    x: layerX[l]! + Math.floor(rank / o.maxRows) * (o.nodeWidth + o.subColumnGap),
    y: bandTop.get(group)! + o.bandPadding + (rank % o.maxRows) * rowH,
    layer: l,
  });
  const groupOf = new Map(internal.map((n) => [n.id, n.group]));
  const rankOf = new Map<string, number>();
  for (const band of cells.values()) for (const cell of band.values()) cell.forEach((id, i) => rankOf.set(id, i));
  // Hosts are not in any cell: give them a fixed position below everything while cells are ordered.
  const yOf = (id: string) => (groupOf.has(id) ? place(groupOf.get(id)!, layer.get(id)!, rankOf.get(id)!).y : y);
  orderCells(cells, adj, yOf, rankOf, layers, o.sweeps);
  const nodes = new Map<string, PlacedNode>();
  for (const n of internal) nodes.set(n.id, place(n.group, layer.get(n.id)!, rankOf.get(n.id)!));
  const external = placeExternal(graph.nodes.filter((n) => n.group === EGRESS_GROUP), adj, nodes, width, y, layers, o);
  if (external) {
    bands.push(external);
    y += external.height + o.bandGap;
  }
  return { nodes, bands, width, height: y - o.bandGap + o.margin };
}
