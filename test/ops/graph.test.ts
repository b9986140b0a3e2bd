import { describe, expect, it } from 'vitest';
import { generatePolicy } from '../../bench/generate-policy.js';
import { compilePolicy } from '../../control-plane/policy/compile.js';
import { loadCompiledPolicy } from '../../control-plane/policy/load.js';
import { buildGraph, edgeLabel, EGRESS_GROUP } from '../../control-plane/graph/model.js';
import { DEFAULT_LAYOUT, layeredLayout } from '../../control-plane/graph/layout.js';
import { toSvg } from '../../control-plane/graph/svg.js';
import { edgeLabelLines, routedLayout, ROUTED_MAX_EDGES, type Box, type Point } from '../../control-plane/graph/routed-layout.js';
import { textWidth } from '../../control-plane/graph/text-width.js';
import { toDot, toMermaid } from '../../control-plane/graph/text-formats.js';
import { EXAMPLE_POLICY, runMeshguard } from '../helpers/cli.js';

async function example() {
  const r = await loadCompiledPolicy(EXAMPLE_POLICY);
  if (!r.ok) throw new Error('example');
  return r.compiled;
}

/** Tags must nest: a tiny well-formedness check (no XML parser is installed). */
function xmlErrors(xml: string): string[] {
  const stack: string[] = [];
  const errors: string[] = [];
  for (const m of xml.matchAll(/<(\/?)([a-zA-Z][\w:-]*)([^>]*?)(\/?)>/g)) {
    const [, close, name, , selfClosing] = m;
    if (selfClosing) continue;
    if (!close) stack.push(name!);
    else if (stack.pop() !== name) errors.push(`unexpected </${name}>`);
  }
  if (stack.length > 0) errors.push(`unclosed ${stack.join(',')}`);
  if (/&(?!amp;|lt;|gt;|quot;|#39;)/.test(xml)) errors.push('unescaped &');
  return errors;
}

describe('segmentation graph', () => {
  it('workloads grouped by namespace; sources outside the inventory as their own nodes; egress hosts', async () => {
    const g = buildGraph(await example());
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    expect(byId.get('w:shop/api')).toMatchObject({ kind: 'workload', group: 'shop', label: 'api' });
    expect(byId.get('ns:monitoring')).toMatchObject({ kind: 'namespace', group: 'monitoring' });
    expect(byId.get('p:spiffe://cluster.local/ns/ops/sa/prober')).toMatchObject({ kind: 'principal', group: 'ops' });
    expect(byId.get('h:*.stripe.com')).toMatchObject({ kind: 'host', group: EGRESS_GROUP });
    expect(byId.get('c:192.0.2.0/24')).toMatchObject({ kind: 'cidr', group: EGRESS_GROUP });
    const edge = (from: string, to: string) => g.edges.find((e) => e.from === from && e.to === to);
    expect(edgeLabel(edge('w:shop/frontend', 'w:shop/api')!)).toBe('GET,POST /api/* /healthz :8080,8443');
    expect(edgeLabel(edge('w:shop/api', 'w:shop/payments')!)).toBe('POST /charge /refund');
    expect(edgeLabel(edge('w:shop/api', 'w:shop/db')!)).toBe('any request');
    expect(edge('ns:monitoring', 'w:shop/db')!.rules).toEqual([{ name: 'monitoring-scrape', allows: 'GET /metrics' }]);
    expect(edge('w:shop/payments', 'h:api.stripe.com')).toMatchObject({ kind: 'egress', rules: [{ name: 'payments-to-stripe', allows: ':443' }] });
    expect(edge('w:shop/frontend', 'w:shop/db')).toBeUndefined();
  });

  it('DOT: a cluster per namespace and an edge per allowed call', async () => {
    const dot = toDot(buildGraph(await example()));
    expect(dot).toMatch(/^digraph meshguard \{/);
    expect(dot.match(/subgraph "cluster_\d+"/g)).toHaveLength(4);
    expect(dot).toContain('"w:shop/frontend" -> "w:shop/api" [label="GET,POST /api/* /healthz :8080,8443"');
    expect(dot.split('{').length).toBe(dot.split('}').length);
  });

  it('Mermaid: subgraphs, shapes, escaped labels, edges between declared nodes', async () => {
    const m = toMermaid(buildGraph(await example()));
    expect(m.split('\n')[0]).toBe('flowchart LR');
    const declared = new Set([...m.matchAll(/^\s+(n\d+)[[({]/gm)].map((x) => x[1]));
    const used = [...m.matchAll(/(n\d+) -\.?->?\|"[^"]*"\| (n\d+)/g)].flatMap((x) => [x[1], x[2]]);
    expect(used.length).toBeGreaterThan(10);
    expect(used.every((id) => declared.has(id))).toBe(true);
    expect(m).toContain('n2 -.->|":443"|');
  });

  it('SVG: well-formed, every node placed, workloads tagged for the live view', async () => {
    const g = buildGraph(await example());
    const svg = await toSvg(g);
    expect(xmlErrors(svg)).toEqual([]);
    expect(svg.match(/<g class="node /g)).toHaveLength(g.nodes.length);
    expect(svg).toContain('data-workload="shop/api"');
    expect(svg.match(/<path class="edge /g)).toHaveLength(g.edges.length);
    // Each edge once, its data-e its position in the graph and data-f / data-t its ends' data-i.
    const at = new Map(g.nodes.map((n, i) => [n.id, String(i)]));
    const paths = [...svg.matchAll(/<path class="edge [^"]*" data-e="(\d+)" data-f="(\d+)" data-t="(\d+)"/g)];
    expect(paths.map((m) => Number(m[1])).sort((a, b) => a - b)).toEqual(g.edges.map((_, i) => i));
    for (const [, e, f, t] of paths) expect([f, t], `edge ${e}`).toEqual([at.get(g.edges[Number(e)]!.from), at.get(g.edges[Number(e)]!.to)]);
  });

  it('routed by ELK (small graphs): no overlapping nodes, orthogonal edges that never cross a node, labels whole and clear of nodes', async () => {
    const g = buildGraph(await example());
    const layout = await routedLayout(g);
    const boxes = [...layout.nodes.entries()];
    expect(boxes).toHaveLength(g.nodes.length);
    const overlap = (a: Box, b: Box) => Math.min(a.x + a.width, b.x + b.width) > Math.max(a.x, b.x) && Math.min(a.y + a.height, b.y + b.height) > Math.max(a.y, b.y);
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) expect(overlap(boxes[i]![1], boxes[j]![1]), `${boxes[i]![0]} / ${boxes[j]![0]}`).toBe(false);
    // Each node is as wide as its name needs, inside its namespace's box.
    for (const n of g.nodes) {
      const b = layout.nodes.get(n.id)!;
      expect(b.width).toBeGreaterThanOrEqual(textWidth(n.label, 11) + 16);
      const group = layout.groups.find((x) => x.group === n.group)!;
      expect(b.x >= group.x && b.y >= group.y && b.x + b.width <= group.x + group.width && b.y + b.height <= group.y + group.height, n.id).toBe(true);
    }
    const strictlyInside = (p: Point, b: Box) => p.x > b.x + 0.5 && p.x < b.x + b.width - 0.5 && p.y > b.y + 0.5 && p.y < b.y + b.height - 0.5;
    expect(layout.edges).toHaveLength(g.edges.length);
    for (const r of layout.edges) {
      const name = `${r.edge.from} → ${r.edge.to}`;
      expect(r.points.length, name).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < r.points.length; i++) {
        const [a, b] = [r.points[i - 1]!, r.points[i]!];
        expect(Math.abs(a.x - b.x) < 0.01 || Math.abs(a.y - b.y) < 0.01, `${name}: segment ${i} is horizontal or vertical`).toBe(true);
        // Sampled every pixel: no point of any segment inside a node box.
        const steps = Math.ceil(Math.hypot(b.x - a.x, b.y - a.y));
        for (let k = 0; k <= steps; k++) {
          const p = { x: a.x + ((b.x - a.x) * k) / Math.max(1, steps), y: a.y + ((b.y - a.y) * k) / Math.max(1, steps) };
          for (const [id, box] of boxes) expect(strictlyInside(p, box), `${name} crosses ${id}`).toBe(false);
        }
      }
      expect(r.label, name).not.toBeNull();
      for (const [id, box] of boxes) expect(overlap(r.label!, box), `label of ${name} over ${id}`).toBe(false);
    }
    const svg = await toSvg(g);
    expect(svg).toContain('class="meshguard-graph routed"');
    expect(svg).not.toContain('…');
    expect(xmlErrors(svg)).toEqual([]);
  });

  it('edge labels: one rule per line, long rules wrapped, very long ones capped with a pointer to the tooltip', () => {
    const edge = (allows: string[]) => ({ from: 'a', to: 'b', kind: 'call' as const, rules: allows.map((a, i) => ({ name: `s${i}`, allows: a })) });
    expect(edgeLabelLines(edge(['GET,POST /api/* /healthz :8080,8443']))).toEqual(['GET,POST /api/*', '/healthz', ':8080,8443']);
    expect(edgeLabelLines(edge(['GET /a | POST /b', 'any request']))).toEqual(['GET /a', 'POST /b', 'any request']);
    const many = edgeLabelLines(edge(Array.from({ length: 9 }, (_, i) => `GET /r${i}`)));
    expect(many).toHaveLength(6);
    expect(many[5]).toBe('… 4 more lines (hover)');
  });

  it(`more than ${ROUTED_MAX_EDGES} edges: the banded layout (a picture of density), not ELK`, async () => {
    const g = buildGraph(compilePolicy(generatePolicy({ workloads: 40, segments: 60, egress: 10, seed: 7 })));
    expect(g.edges.length).toBeGreaterThan(ROUTED_MAX_EDGES);
    expect(await toSvg(g)).toContain('class="meshguard-graph banded"');
  });

  it('500 workloads: laid out without overlaps, inside the canvas, in under 2 s of CPU', async () => {
    const policy = compilePolicy(generatePolicy({ workloads: 500, segments: 1000, egress: 100, seed: 7 }));
    const before = process.cpuUsage();
    const g = buildGraph(policy);
    const svg = await toSvg(g);
    const used = process.cpuUsage(before);
    // CPU time, not wall clock: a busy CI machine must not fail this (bench/ops.bench.ts has the wall-clock figures).
    expect((used.user + used.system) / 1000).toBeLessThan(2000);
    expect(xmlErrors(svg)).toEqual([]);
    const layout = layeredLayout(g);
    const { nodeWidth: w, nodeHeight: h } = DEFAULT_LAYOUT;
    const boxes = [...layout.nodes.values()];
    expect(boxes).toHaveLength(g.nodes.length);
    for (const b of boxes) {
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.y).toBeGreaterThanOrEqual(0);
      expect(b.x + w).toBeLessThanOrEqual(layout.width);
      expect(b.y + h).toBeLessThanOrEqual(layout.height);
    }
    const seen = new Set(boxes.map((b) => `${b.x},${b.y}`));
    expect(seen.size).toBe(boxes.length);
    let overlaps = 0;
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        if (Math.abs(boxes[i]!.x - boxes[j]!.x) < w && Math.abs(boxes[i]!.y - boxes[j]!.y) < h) overlaps++;
      }
    }
    expect(overlaps).toBe(0);
    // Each namespace band holds its workloads.
    for (const n of g.nodes) {
      const band = layout.bands.find((x) => x.group === n.group)!;
      const p = layout.nodes.get(n.id)!;
      expect(p.y).toBeGreaterThanOrEqual(band.y);
      expect(p.y + h).toBeLessThanOrEqual(band.y + band.height);
    }
  });

  it('meshguard graph (CLI): dot by default, mermaid and svg on request, usage error otherwise', async () => {
    const dot = await runMeshguard(['graph', '--policy', EXAMPLE_POLICY]);
    expect(dot.code).toBe(0);
    expect(dot.stdout).toMatch(/^digraph/);
    expect((await runMeshguard(['graph', '--policy', EXAMPLE_POLICY, '--format', 'mermaid'])).stdout).toMatch(/^flowchart LR/);
    expect((await runMeshguard(['graph', '--policy', EXAMPLE_POLICY, '--format', 'svg'])).stdout).toMatch(/^<svg /);
    expect((await runMeshguard(['graph', '--policy', EXAMPLE_POLICY, '--format', 'png'])).code).toBe(2);
  });
});
