// The xDS benchmark's simulated sidecars (run as a child process by xds.bench.ts): N ADS streams,
// each on its own connection, half state of the world and half delta, each behaving like Envoy:
// wildcard CDS and LDS, EDS for the mesh clusters it was given, RDS for the outbound table, ECDS
// for the three wasm filters, every response ACKed at once. Reports when all nodes hold their
// first configuration, and after each `mark`, when every node has received the push it caused.
import * as grpc from '@grpc/grpc-js';
import { AdsClient, nodeMessage, type DeltaResponse, type SotwResponse } from '../control-plane/xds/client.js';
import type { DeltaDiscoveryRequest } from '../control-plane/xds/delta.js';
import type { DiscoveryRequest } from '../control-plane/xds/sotw.js';
import { CLUSTER, ENDPOINT, EXTENSION_CONFIG, LISTENER, ROUTE } from '../control-plane/xds/type-urls.js';

export type ToClients =
  | { type: 'start'; address: string; nodes: { id: string; workload: string; delta: boolean }[] }
  | { type: 'mark'; edit: number; at: number }
  | { type: 'stop' };

export type FromClients =
  | { type: 'ready'; ms: number; connected: number }
  | { type: 'converged'; edit: number; latencies: number[] }
  | { type: 'error'; message: string };

const ECDS = ['meshguard.identity', 'meshguard.anomaly', 'meshguard.egress'];
const OPTIONS = { 'grpc.use_local_subchannel_pool': 1, 'grpc.max_receive_message_length': 64 * 1024 * 1024 };

/** The `name` (field 1) of an encoded Cluster, without decoding the rest. */
function clusterName(bytes: Uint8Array): string {
  let i = 0;
  while (i < bytes.length) {
    let tag = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[i++]!;
      tag |= (b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7;
    }
    let len = 0;
    shift = 0;
    for (;;) {
      const b = bytes[i++]!;
      len |= (b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7;
    }
    if (tag === ((1 << 3) | 2)) return Buffer.from(bytes.subarray(i, i + len)).toString('utf8');
    i += len;
  }
  return '';
}

let stopping = false;

/** A node whose stream ended is reported at once (Envoy would reconnect; the benchmark must not hide it). */
function watchStatus(id: string, status: Promise<grpc.StatusObject>): void {
  void status.then((s) => {
    if (!stopping) send({ type: 'error', message: `node ${id}: stream ended with ${s.code} ${s.details}` });
  });
}

abstract class SimNode {
  firstConfigAt: number | null = null;
  lastEcdsAt = 0;
  protected edsNames: string[] = [];
  protected started = { lds: false, rest: false };

  constructor(readonly id: string, readonly workload: string) {}

  protected received(typeUrl: string): void {
    if (typeUrl === EXTENSION_CONFIG) {
      this.lastEcdsAt = Date.now();
      this.firstConfigAt ??= this.lastEcdsAt;
    }
  }

  protected meshClusters(names: string[]): string[] {
    return names.filter((n) => n.includes('/')).sort();
  }

  abstract close(): void;
}

class SotwNode extends SimNode {
  private readonly client: AdsClient<SotwResponse, DiscoveryRequest>;
  private readonly names = new Map<string, string[]>();
  private readonly last = new Map<string, SotwResponse>();

  constructor(id: string, workload: string, address: string) {
    super(id, workload);
    this.client = AdsClient.sotw(address, grpc.credentials.createInsecure(), false, OPTIONS);
    this.client.onResponse((r) => this.onResponse(r));
    watchStatus(id, this.client.status);
    this.request(CLUSTER, [], nodeMessage(id, { 'meshguard.io/workload': workload }, 'envoy'));
  }

  private request(typeUrl: string, names: string[], node: Record<string, unknown> | null = null): void {
    this.names.set(typeUrl, names);
    const last = this.last.get(typeUrl);
    this.client.send({ node, type_url: typeUrl, resource_names: names, version_info: last?.version_info ?? '', response_nonce: last?.nonce ?? '' });
  }

  private onResponse(r: SotwResponse): void {
    this.last.set(r.type_url, r);
    this.received(r.type_url);
    if (r.type_url === CLUSTER) {
      const eds = this.meshClusters(r.resources.map((x) => clusterName(x.value)));
      this.request(CLUSTER, []);
      if (eds.join() !== this.edsNames.join()) {
        this.edsNames = eds;
        this.request(ENDPOINT, eds);
      }
      if (!this.started.lds) {
        this.started.lds = true;
        this.request(LISTENER, []);
      }
      return;
    }
    this.request(r.type_url, this.names.get(r.type_url) ?? []);
    if (r.type_url === LISTENER && !this.started.rest) {
      this.started.rest = true;
      this.request(ROUTE, ['meshguard.outbound']);
      this.request(EXTENSION_CONFIG, ECDS);
    }
  }

  close(): void {
    this.client.close();
  }
}

class DeltaNode extends SimNode {
  private readonly client: AdsClient<DeltaResponse, DeltaDiscoveryRequest>;
  private readonly clusters = new Set<string>();

  constructor(id: string, workload: string, address: string) {
    super(id, workload);
    this.client = AdsClient.delta(address, grpc.credentials.createInsecure(), false, OPTIONS);
    this.client.onResponse((r) => this.onResponse(r));
    watchStatus(id, this.client.status);
    this.client.send({ node: nodeMessage(id, { 'meshguard.io/workload': workload }, 'envoy'), type_url: CLUSTER, resource_names_subscribe: ['*'] });
  }

  private onResponse(r: DeltaResponse): void {
    this.received(r.type_url);
    this.client.send({ type_url: r.type_url, response_nonce: r.nonce });
    if (r.type_url !== CLUSTER) {
      if (r.type_url === LISTENER && !this.started.rest) {
        this.started.rest = true;
        this.client.send({ type_url: ROUTE, resource_names_subscribe: ['meshguard.outbound'] });
        this.client.send({ type_url: EXTENSION_CONFIG, resource_names_subscribe: ECDS });
      }
      return;
    }
    const added = this.meshClusters(r.resources.map((x) => x.name)).filter((n) => !this.clusters.has(n));
    const removed = r.removed_resources.filter((n) => this.clusters.has(n));
    for (const n of added) this.clusters.add(n);
    for (const n of removed) this.clusters.delete(n);
    if (added.length > 0 || removed.length > 0) {
      this.client.send({ type_url: ENDPOINT, resource_names_subscribe: added, resource_names_unsubscribe: removed });
    }
    if (!this.started.lds) {
      this.started.lds = true;
      this.client.send({ type_url: LISTENER, resource_names_subscribe: ['*'] });
    }
  }

  close(): void {
    this.client.close();
  }
}

function send(message: FromClients): void {
  process.send!(message);
}

let nodes: SimNode[] = [];

function whenAll(done: (n: SimNode) => boolean, then: () => void, timeoutMs: number, what: string): void {
  const deadline = Date.now() + timeoutMs;
  const check = () => {
    if (nodes.every(done)) return then();
    if (Date.now() > deadline) return send({ type: 'error', message: `${what}: ${nodes.filter((n) => !done(n)).length} of ${nodes.length} nodes not done within ${timeoutMs} ms` });
    setTimeout(check, 5);
  };
  check();
}

process.on('message', (m: ToClients) => {
  if (m.type === 'start') {
    const started = Date.now();
    nodes = m.nodes.map((n) => (n.delta ? new DeltaNode(n.id, n.workload, m.address) : new SotwNode(n.id, n.workload, m.address)));
    whenAll((n) => n.firstConfigAt !== null, () => send({ type: 'ready', ms: Date.now() - started, connected: nodes.length }), 120_000, 'initial configuration');
  } else if (m.type === 'mark') {
    whenAll((n) => n.lastEcdsAt >= m.at, () => send({ type: 'converged', edit: m.edit, latencies: nodes.map((n) => n.lastEcdsAt - m.at) }), 60_000, `edit ${m.edit}`);
  } else {
    stopping = true;
    for (const n of nodes) n.close();
    setTimeout(() => process.exit(0), 100);
  }
});
