// What the xDS server is doing, per connected node: streams, versions sent and ACKed per type,
// the last NACK; Prometheus metrics and logs. Implements StreamCallbacks; a node's entry is
// dropped with its last stream.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { NodeInfo, StreamCallbacks, StreamInfo } from './contracts.js';
import { shortName } from './type-urls.js';

interface Nack {
  readonly version: string;
  readonly error: string;
  readonly at: string;
}

interface TypeStatus {
  sent: string | null;
  acked: string | null;
  /** When `acked` was ACKed (ms since the epoch). */
  ackedAt: number | null;
  pushes: number;
  acks: number;
  nacks: number;
  lastNack: Nack | null;
}

interface NodeStatus {
  readonly id: string;
  readonly workload: string;
  readonly kind: 'envoy' | 'grpc';
  /** What told the kind (node.ts nodeKind). */
  readonly kindBy: string;
  readonly userAgent: string;
  readonly authenticatedAs: string | null;
  readonly connectedAt: number;
  readonly streams: Map<number, StreamInfo>;
  readonly types: Map<string, TypeStatus>;
  lastNack: (Nack & { type: string }) | null;
}

export interface XdsMetrics {
  readonly pushes: Counter<'type'>;
  readonly acks: Counter<'type'>;
  readonly nacks: Counter<'type'>;
  readonly pushLatency: Histogram<'type'>;
  readonly connectedNodes: Gauge;
  readonly refused: Counter;
}

export function createXdsMetrics(registry: Registry): XdsMetrics {
  const registers = [registry];
  return {
    pushes: new Counter({ name: 'meshguard_xds_pushes_total', help: 'xDS responses sent, by type (CDS, EDS, LDS, RDS, ECDS)', labelNames: ['type'], registers }),
    acks: new Counter({ name: 'meshguard_xds_acks_total', help: 'xDS responses ACKed, by type', labelNames: ['type'], registers }),
    nacks: new Counter({ name: 'meshguard_xds_nacks_total', help: 'xDS responses NACKed (rejected by the node), by type', labelNames: ['type'], registers }),
    pushLatency: new Histogram({
      name: 'meshguard_xds_push_latency_seconds', help: 'From a policy edit being seen to a node ACKing the push it caused, by type',
      labelNames: ['type'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30], registers,
    }),
    connectedNodes: new Gauge({ name: 'meshguard_xds_connected_nodes', help: 'Nodes with at least one open xDS stream', registers }),
    refused: new Counter({ name: 'meshguard_xds_refused_streams_total', help: 'xDS streams refused (bad node, identity mismatch)', registers }),
  };
}

function nodeKey(s: StreamInfo): string {
  return `${s.node.id}\u0000${s.node.workload}`;
}

export class XdsStatus implements StreamCallbacks {
  private readonly nodes = new Map<string, NodeStatus>();

  constructor(private readonly metrics: XdsMetrics, private readonly logger: Logger) {}

  onStreamOpen(s: StreamInfo): void {
    const key = nodeKey(s);
    let node = this.nodes.get(key);
    if (!node) {
      node = {
        id: s.node.id, workload: s.node.workload, kind: s.node.proxyless ? 'grpc' : 'envoy', kindBy: s.node.kindBy, userAgent: s.node.userAgent,
        authenticatedAs: s.peerIdentity, connectedAt: s.openedAt, streams: new Map(), types: new Map(), lastNack: null,
      };
      this.nodes.set(key, node);
      this.metrics.connectedNodes.set(this.nodes.size);
    }
    node.streams.set(s.id, s);
    this.logger.info({ event: 'xds_stream_open', node: s.node.id, workload: s.node.workload, kind: node.kind, kindBy: node.kindBy, delta: s.delta, authenticatedAs: s.peerIdentity }, 'xDS stream opened');
  }

  private typeOf(s: StreamInfo, typeUrl: string): TypeStatus | null {
    const node = this.nodes.get(nodeKey(s));
    if (!node) return null;
    let t = node.types.get(typeUrl);
    if (!t) {
      t = { sent: null, acked: null, ackedAt: null, pushes: 0, acks: 0, nacks: 0, lastNack: null };
      node.types.set(typeUrl, t);
    }
    return t;
  }

  onResponse(s: StreamInfo, typeUrl: string, version: string): void {
    this.metrics.pushes.labels(shortName(typeUrl)).inc();
    const t = this.typeOf(s, typeUrl);
    if (t) {
      t.sent = version;
      t.pushes++;
    }
  }

  onAck(s: StreamInfo, typeUrl: string, version: string, latencySeconds: number | null): void {
    const type = shortName(typeUrl);
    this.metrics.acks.labels(type).inc();
    if (latencySeconds !== null) this.metrics.pushLatency.labels(type).observe(latencySeconds);
    const t = this.typeOf(s, typeUrl);
    if (t) {
      t.acked = version;
      t.ackedAt = Date.now();
      t.acks++;
    }
  }

  onNack(s: StreamInfo, typeUrl: string, rejectedVersion: string, error: string): void {
    const type = shortName(typeUrl);
    this.metrics.nacks.labels(type).inc();
    const nack = { version: rejectedVersion, error, at: new Date().toISOString() };
    const t = this.typeOf(s, typeUrl);
    if (t) {
      t.nacks++;
      t.lastNack = nack;
    }
    const node = this.nodes.get(nodeKey(s));
    if (node) node.lastNack = { ...nack, type };
    this.logger.warn({ event: 'xds_nack', node: s.node.id, workload: s.node.workload, type, version: rejectedVersion, error, keeps: t?.acked ?? null },
      'a node rejected an xDS response; its last ACKed version stays in force and the rejected one is not re-sent');
  }

  onStaleNonce(s: StreamInfo, typeUrl: string, nonce: string): void {
    this.logger.debug({ event: 'xds_stale_nonce', node: s.node.id, type: shortName(typeUrl), nonce }, 'ignored a request with a stale nonce');
  }

  onStreamClosed(s: StreamInfo, reason: string | null): void {
    const key = nodeKey(s);
    const node = this.nodes.get(key);
    node?.streams.delete(s.id);
    if (node && node.streams.size === 0) {
      this.nodes.delete(key);
      this.metrics.connectedNodes.set(this.nodes.size);
    }
    this.logger.info({ event: 'xds_stream_closed', node: s.node.id, workload: s.node.workload, reason, seconds: (Date.now() - s.openedAt) / 1000 }, 'xDS stream closed');
  }

  onRefused(node: NodeInfo | null, peerIdentity: string | null, reason: string): void {
    this.metrics.refused.inc();
    this.logger.warn({ event: 'xds_refused', node: node?.id ?? null, workload: node?.workload ?? null, peer: peerIdentity, reason }, 'xDS stream refused');
  }

  /** The /xds/nodes document. */
  snapshot(): { nodes: unknown[] } {
    const now = Date.now();
    const nodes = [...this.nodes.values()].map((n) => ({
      id: n.id, workload: n.workload, kind: n.kind, kindBy: n.kindBy, userAgent: n.userAgent, authenticatedAs: n.authenticatedAs,
      connectedSeconds: Math.round((now - n.connectedAt) / 100) / 10,
      streams: [...n.streams.values()].map((s) => ({ id: s.id, delta: s.delta, openedAt: new Date(s.openedAt).toISOString() })),
      types: Object.fromEntries([...n.types].map(([url, t]) => [shortName(url), { ...t }])),
      lastNack: n.lastNack,
    }));
    return { nodes };
  }

  get connected(): number {
    return this.nodes.size;
  }
}
