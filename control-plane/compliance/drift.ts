// Drift: a node (Envoy or proxyless gRPC) whose ACKed configuration is not the one meshguard
// intends for it. The xDS server (control-plane/xds) owns that knowledge; the audit reads it from
// the `xds` entry of the serve status map when that entry lists `nodes`, in either shape below,
// and reports nothing (with a note) otherwise.
import { finding, type Finding } from './finding.js';

/** A node as the audit's contract names it: one intended and one ACKed version. */
export interface XdsNodeStatus {
  readonly node: string;
  readonly workload?: string | null;
  readonly intendedVersion?: string | null;
  readonly ackedVersion?: string | null;
  readonly lastNack?: string | null;
}

/** A node as control-plane/xds/status.ts snapshots it (/xds/nodes): versions per resource type. */
interface XdsTypedNode {
  readonly id: string;
  readonly workload?: string;
  readonly types: Readonly<Record<string, { sent?: string | null; acked?: string | null; lastNack?: { version?: string; error?: string } | null }>>;
}

export type DriftResult =
  | { readonly available: false; readonly note: string }
  | { readonly available: true; readonly nodes: number; readonly drifted: readonly XdsNodeStatus[]; readonly findings: readonly Finding[] };

export const XDS_STATUS_MISSING = 'drift is not reported: the serve status entry "xds" lists no nodes (it needs `nodes`, e.g. the /xds/nodes snapshot)';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** A node of either shape → one entry per drifted resource type (typed shape) or per node. */
function normalise(v: unknown): XdsNodeStatus[] {
  if (!isObject(v)) return [];
  if (typeof v.node === 'string') return [v as unknown as XdsNodeStatus];
  if (typeof v.id !== 'string' || !isObject(v.types)) return [];
  const n = v as unknown as XdsTypedNode;
  return Object.entries(n.types).map(([type, t]) => ({
    node: `${n.id} ${type}`,
    workload: n.workload ?? null,
    intendedVersion: t.sent ?? null,
    ackedVersion: t.acked ?? null,
    // A push still in flight has sent ≠ acked too: only a rejected push is drift.
    lastNack: t.lastNack && t.lastNack.version === t.sent ? t.lastNack.error ?? 'rejected' : null,
  })).map((s) => (s.lastNack === null && s.ackedVersion !== s.intendedVersion ? { ...s, intendedVersion: s.ackedVersion } : s));
}

export function readDrift(xdsStatus: (() => unknown) | undefined): DriftResult {
  if (!xdsStatus) return { available: false, note: XDS_STATUS_MISSING };
  let doc: unknown;
  try {
    doc = xdsStatus();
  } catch (err) {
    return { available: false, note: `the xDS status could not be read: ${(err as Error).message}` };
  }
  const nodes = isObject(doc) ? doc.nodes : undefined;
  if (!Array.isArray(nodes)) return { available: false, note: XDS_STATUS_MISSING };
  const entries = nodes.flatMap(normalise);
  const drifted = entries.filter((n) => n.intendedVersion != null && n.ackedVersion !== n.intendedVersion);
  const findings = drifted.map((n) => finding('MG-XDS-001',
    `node ${n.node}${n.workload ? ` (${n.workload})` : ''} runs ${n.ackedVersion ?? 'no ACKed configuration'}, intended ${n.intendedVersion}${n.lastNack ? `; NACK: ${n.lastNack}` : ''}`,
    { file: `xds:${n.node.split(' ')[0]}`, line: 0, col: 0 }));
  return { available: true, nodes: nodes.length, drifted, findings };
}
