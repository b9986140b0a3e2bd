// The segmentation graph as Graphviz DOT and as a Mermaid flowchart, both grouped by namespace.
import { EGRESS_GROUP, edgeLabel, type GraphNode, type SegmentationGraph } from './model.js';

function groupsOf(graph: SegmentationGraph): Map<string, GraphNode[]> {
  const groups = new Map<string, GraphNode[]>();
  for (const n of graph.nodes) (groups.get(n.group) ?? groups.set(n.group, []).get(n.group)!).push(n);
  return new Map([...groups].sort(([a], [b]) => (a === EGRESS_GROUP ? 1 : b === EGRESS_GROUP ? -1 : a.localeCompare(b))));
}

function dotString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

const DOT_SHAPE: Record<GraphNode['kind'], string> = {
  workload: 'shape=box, style="rounded,filled", fillcolor="#dbeafe"',
  namespace: 'shape=box, style="dashed,rounded", color="#64748b"',
  principal: 'shape=box, style="rounded", color="#64748b"',
  prefix: 'shape=box, style="dashed", color="#64748b"',
  host: 'shape=ellipse, style=filled, fillcolor="#fef3c7"',
  cidr: 'shape=hexagon, style=filled, fillcolor="#fde68a"',
};

export function toDot(graph: SegmentationGraph): string {
  const out = [`digraph meshguard {`, `  label=${dotString(`${graph.policy} (${graph.version})`)};`, '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9];'];
  let i = 0;
  for (const [group, nodes] of groupsOf(graph)) {
    out.push(`  subgraph ${dotString(`cluster_${i++}`)} {`, `    label=${dotString(group)};`, '    style="rounded"; color="#94a3b8";');
    for (const n of nodes) out.push(`    ${dotString(n.id)} [label=${dotString(n.label)}, tooltip=${dotString(n.title)}, ${DOT_SHAPE[n.kind]}];`);
    out.push('  }');
  }
  for (const e of graph.edges) {
    const style = e.kind === 'egress' ? ', style=dashed, color="#b45309"' : '';
    out.push(`  ${dotString(e.from)} -> ${dotString(e.to)} [label=${dotString(edgeLabel(e))}, tooltip=${dotString(e.rules.map((r) => r.name).join(', '))}${style}];`);
  }
  out.push('}');
  return out.join('\n') + '\n';
}

function mermaidText(s: string): string {
  return s.replace(/&/g, '#amp;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;').replace(/\|/g, '#124;').replace(/\n/g, ' ');
}

const MERMAID_SHAPE: Record<GraphNode['kind'], [string, string]> = {
  workload: ['["', '"]'], namespace: ['[/"', '"/]'], principal: ['("', '")'], prefix: ['[/"', '"/]'], host: ['(["', '"])'], cidr: ['{{"', '"}}'],
};

export function toMermaid(graph: SegmentationGraph): string {
  const ids = new Map(graph.nodes.map((n, i) => [n.id, `n${i}`]));
  const out = ['flowchart LR'];
  let g = 0;
  for (const [group, nodes] of groupsOf(graph)) {
    out.push(`  subgraph g${g++}["${mermaidText(group)}"]`);
    for (const n of nodes) {
      const [open, close] = MERMAID_SHAPE[n.kind];
      out.push(`    ${ids.get(n.id)}${open}${mermaidText(n.label)}${close}`);
    }
    out.push('  end');
  }
  for (const e of graph.edges) {
    const arrow = e.kind === 'egress' ? '-.->' : '-->';
    out.push(`  ${ids.get(e.from)} ${arrow}|"${mermaidText(edgeLabel(e))}"| ${ids.get(e.to)}`);
  }
  return out.join('\n') + '\n';
}
