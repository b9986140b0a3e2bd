// Compiled policy + node → snapshot. What depends only on the inventory (a cluster and endpoints
// per workload, a proxyless client's listener and route) is built once per inventory and shared by
// every node; what depends on the node's workload (listeners with its RBAC, its outbound routes,
// its wasm filter configs) is built per snapshot key.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { CompiledPolicy, CompiledWorkload } from '../policy/compiled.js';
import { filterConfigFor, perFilterConfigs, type RuntimeState } from '../filter-config/filter-config.js';
import type { NodeInfo, Snapshot, XdsResource } from './contracts.js';
import { authzCluster, egressCluster, inboundApp, passthrough, proxylessMeshCluster, sidecarMeshCluster, wasmArtifacts } from './build/clusters.js';
import { workloadEndpoints } from './build/endpoints.js';
import { wasmExtensionConfig } from './build/extension-configs.js';
import { proxylessClient, proxylessServer, sidecarInbound, sidecarOutbound } from './build/listeners.js';
import {
  AUTHZ_CLUSTER, clientListenerName, clusterName, ECDS_ANOMALY, ECDS_EGRESS, ECDS_IDENTITY, INBOUND_LISTENER,
  OUTBOUND_LISTENER, OUTBOUND_ROUTE, parseHostPort, serverListenerAddress, type HostPort,
} from './build/names.js';
import { reachableFrom } from './build/reach.js';
import { EGRESS_VHOST, meshVirtualHost, outboundRoute, outboundRouteContext, proxylessClientRoute } from './build/routes.js';
import type { WasmSource } from './build/wasm-modules.js';
import {
  META_APP_ADDRESS, META_AUTHZ_ADDRESS, META_CERT_DIR, META_DNS_RESOLVER, META_INBOUND_ADDRESS, META_INBOUND_PORT, META_LISTEN_ADDRESS,
  META_OUTBOUND_ADDRESS, META_OUTBOUND_PORT, META_WASM_DIR,
} from './node.js';
import { EncodedCache, GenerationMap } from './encoded-cache.js';
import { MapSnapshot, makeResource, rawResource, ResourceMap, typeMaps, type Reference } from './snapshot.js';
import { sidecarTopologyKey } from './build/fingerprint.js';
import { encodeMessage } from './proto.js';
import { CLUSTER, ENDPOINT, EXTENSION_CONFIG, LISTENER, ROUTE } from './type-urls.js';

export interface BuilderSettings {
  /** meshguard's ext_authz address as sidecars reach it, unless a node names another. */
  readonly authzAddress: HostPort;
  /** Set when meshguard's ports require mTLS: sidecars then use their certificate for ext_authz. */
  readonly tls: { readonly authzIdentity: string | null } | null;
  readonly wasm: WasmSource;
  /** Sees every resource object before it is encoded (tests check them against the protos). */
  readonly inspect?: (typeUrl: string, name: string, object: Record<string, unknown>) => void;
  /** Run-time state the filter configs carry: the learned anomaly model, the quarantined identities. */
  readonly runtime?: () => RuntimeState;
}

export interface SidecarSettings {
  readonly wasmDir: string;
  readonly certDir: string;
  readonly authzAddress: HostPort;
  readonly inboundPort: number;
  readonly outboundPort: number;
  readonly listenAddress: string;
  readonly dnsResolver: HostPort | null;
  /** Direct mode (no iptables redirect): the listeners' own IPs, null for the redirect default. */
  readonly inboundAddress: string | null;
  readonly outboundAddress: string | null;
  readonly appAddress: string;
}

const ipSetting = (value: string | undefined): string | null => (value !== undefined && isIP(value) !== 0 ? value : null);

function portSetting(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 && n <= 65535 ? n : fallback;
}

export function sidecarSettings(node: NodeInfo, defaults: BuilderSettings): SidecarSettings {
  const m = node.metadata;
  return {
    wasmDir: (m[META_WASM_DIR] ?? '/etc/meshguard/wasm').replace(/\/+$/, '') || '/',
    certDir: (m[META_CERT_DIR] ?? '/etc/meshguard/certs').replace(/\/+$/, '') || '/',
    authzAddress: parseHostPort(m[META_AUTHZ_ADDRESS] ?? '') ?? defaults.authzAddress,
    inboundPort: portSetting(m[META_INBOUND_PORT], 15006),
    outboundPort: portSetting(m[META_OUTBOUND_PORT], 15001),
    listenAddress: isIP(m[META_LISTEN_ADDRESS] ?? '') !== 0 ? m[META_LISTEN_ADDRESS]! : '0.0.0.0',
    dnsResolver: parseHostPort(m[META_DNS_RESOLVER] ?? ''),
    inboundAddress: ipSetting(m[META_INBOUND_ADDRESS]),
    outboundAddress: ipSetting(m[META_OUTBOUND_ADDRESS]),
    appAddress: ipSetting(m[META_APP_ADDRESS]) ?? '127.0.0.1',
  };
}

interface MeshLayer {
  readonly clusters: ResourceMap;
  readonly endpoints: ResourceMap;
  readonly listeners: ResourceMap | null;
  readonly routes: ResourceMap | null;
  /** Sidecars: each workload's outbound virtual host, encoded once as a RouteConfiguration field. */
  readonly virtualHosts: ReadonlyMap<string, Uint8Array> | null;
}

/** A RouteConfiguration holding only `virtual_hosts`: exactly the bytes of that field. */
function virtualHostField(vhost: Record<string, unknown>): Uint8Array {
  return encodeMessage(ROUTE, { virtual_hosts: [vhost] });
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

let egressField: Uint8Array | null = null;
const EGRESS_FIELD = (): Uint8Array => (egressField ??= virtualHostField(EGRESS_VHOST));

const inventoryKeys = new WeakMap<CompiledPolicy, string>();
const MAX_LAYERS = 8;

/** A hash of what the shared layer depends on: each workload's name, identity and endpoints. */
function inventoryKey(policy: CompiledPolicy): string {
  let key = inventoryKeys.get(policy);
  if (!key) {
    const h = createHash('sha256');
    for (const w of policy.workloads.values()) h.update(`${w.key}\u0000${w.identity}\u0000${w.endpoints.join(',')}\n`);
    key = h.digest('hex');
    inventoryKeys.set(policy, key);
  }
  return key;
}

/** A sidecar's listeners, routes, clusters and endpoints: rebuilt only when its topology key changes. */
interface Topology {
  readonly key: string;
  readonly clusters: ResourceMap;
  readonly endpoints: ResourceMap;
  readonly listeners: ResourceMap;
  readonly routes: ResourceMap;
  readonly refs: readonly Reference[];
}

export class SnapshotBuilder {
  private readonly layers = new Map<string, { key: string; layer: MeshLayer }>();
  private readonly encoded = new EncodedCache();
  private readonly topologies = new GenerationMap<string, Topology>();

  constructor(readonly settings: BuilderSettings) {}

  private resources(typeUrl: string, objects: Iterable<[string, Record<string, unknown>]>, cached = true): XdsResource[] {
    return [...objects].map(([name, o]) => this.resource(typeUrl, name, o, cached));
  }

  /** `cached: false` for resources that change with every policy version (the filter configs). */
  private resource(typeUrl: string, name: string, object: Record<string, unknown>, cached = true): XdsResource {
    this.settings.inspect?.(typeUrl, name, object);
    return cached && !this.settings.inspect ? this.encoded.get(typeUrl, name, object) : makeResource(typeUrl, name, object);
  }

  /** A snapshot key lost its last node: drop what was kept for it. */
  forget(snapshotKey: string): void {
    this.topologies.delete(snapshotKey);
  }

  /** No node is connected: drop every memo (they rebuild on the next connection). */
  reset(): void {
    this.topologies.clear();
    this.encoded.clear();
    this.layers.clear();
  }

  build(policy: CompiledPolicy, node: NodeInfo, editAt: number | null = null): Snapshot {
    this.encoded.use(policy);
    this.topologies.use(policy);
    return node.proxyless ? this.proxyless(policy, node, editAt) : this.sidecar(policy, node, editAt);
  }

  /** Shared per flavour (`grpc`, or `envoy:<cert dir>`); rebuilt only when the inventory changes. */
  private meshLayer(policy: CompiledPolicy, flavour: string, certDir: string | null): MeshLayer {
    const key = inventoryKey(policy);
    const cached = this.layers.get(flavour);
    if (cached?.key === key) return cached.layer;
    const workloads = [...policy.workloads.values()];
    const clusters = this.resources(CLUSTER, workloads.map((w) => [clusterName(w), certDir === null ? proxylessMeshCluster(w) : sidecarMeshCluster(w, certDir)]));
    const layer: MeshLayer = {
      clusters: new ResourceMap(clusters),
      endpoints: new ResourceMap(this.resources(ENDPOINT, workloads.map((w) => [clusterName(w), workloadEndpoints(w)]))),
      listeners: certDir === null ? new ResourceMap(this.resources(LISTENER, workloads.map((w) => [clientListenerName(w), proxylessClient(w)]))) : null,
      routes: certDir === null ? new ResourceMap(this.resources(ROUTE, workloads.map((w) => [clientListenerName(w), proxylessClientRoute(w)]))) : null,
      virtualHosts: certDir === null ? null : new Map(workloads.map((w) => [w.key, virtualHostField(meshVirtualHost(policy, w))])),
    };
    this.layers.delete(flavour);
    this.layers.set(flavour, { key, layer });
    // Flavours come from node metadata (the cert dir): keep the most recent few only.
    if (this.layers.size > MAX_LAYERS) this.layers.delete(this.layers.keys().next().value!);
    return layer;
  }

  private proxyless(policy: CompiledPolicy, node: NodeInfo, editAt: number | null): Snapshot {
    const layer = this.meshLayer(policy, 'grpc', null);
    const self = policy.workloads.get(node.workload);
    const types = typeMaps({ clusters: layer.clusters, endpoints: layer.endpoints, listeners: layer.listeners!, routes: layer.routes! });
    const dynamic = (typeUrl: string, name: string): XdsResource | undefined => {
      const address = typeUrl === LISTENER && self ? serverListenerAddress(name) : null;
      return address ? this.resource(LISTENER, name, proxylessServer(policy, self!, name, address)) : undefined;
    };
    return new MapSnapshot(policy.version, editAt, types, [], dynamic);
  }

  private sidecar(policy: CompiledPolicy, node: NodeInfo, editAt: number | null): Snapshot {
    const w = policy.workloads.get(node.workload);
    if (!w) return new MapSnapshot(policy.version, editAt, new Map());
    const s = sidecarSettings(node, this.settings);
    const key = sidecarTopologyKey(policy, w, inventoryKey(policy));
    let topology = this.topologies.get(node.snapshotKey);
    if (topology?.key !== key) {
      topology = this.sidecarTopology(policy, w, s, key);
      this.topologies.set(node.snapshotKey, topology);
    }
    return new MapSnapshot(policy.version, editAt, typeMaps({
      clusters: topology.clusters, endpoints: topology.endpoints, listeners: topology.listeners, routes: topology.routes,
      extensionConfigs: new ResourceMap(this.extensionConfigs(policy, w, s)),
    }), topology.refs);
  }

  private sidecarTopology(policy: CompiledPolicy, w: CompiledWorkload, s: SidecarSettings, key: string): Topology {
    const layer = this.meshLayer(policy, `envoy:${s.certDir}`, s.certDir);
    const reach = reachableFrom(policy, w);
    const refs: Reference[] = [];
    const clusters = [...this.localClusters(w, s), ...reach.map((d) => layer.clusters.byName.get(clusterName(d))!)];
    const endpoints = reach.map((d) => layer.endpoints.byName.get(clusterName(d))!);
    for (const d of reach) refs.push({ typeUrl: ENDPOINT, name: clusterName(d), from: `cluster ${clusterName(d)}` });
    refs.push({ typeUrl: CLUSTER, name: AUTHZ_CLUSTER, from: 'ext_authz' }, { typeUrl: ROUTE, name: OUTBOUND_ROUTE, from: `listener ${OUTBOUND_LISTENER}` });
    for (const name of [ECDS_IDENTITY, ECDS_ANOMALY]) refs.push({ typeUrl: EXTENSION_CONFIG, name, from: `listener ${INBOUND_LISTENER}` });
    refs.push({ typeUrl: EXTENSION_CONFIG, name: ECDS_EGRESS, from: `listener ${OUTBOUND_LISTENER}` });
    const ports = { address: s.listenAddress, inbound: s.inboundPort, outbound: s.outboundPort, inboundAddress: s.inboundAddress, outboundAddress: s.outboundAddress };
    return {
      key,
      clusters: new ResourceMap(clusters),
      endpoints: new ResourceMap(endpoints),
      listeners: new ResourceMap(this.resources(LISTENER, [[INBOUND_LISTENER, sidecarInbound(policy, w, ports, s.certDir)], [OUTBOUND_LISTENER, sidecarOutbound(ports, s.dnsResolver)]])),
      routes: new ResourceMap([this.outboundRoute(policy, w, reach, layer)]),
      refs,
    };
  }

  /**
   * The outbound table: protobuf fields concatenate, so it is the name, the shared encoded virtual
   * hosts and this sidecar's ext_authz context, in field order — byte for byte what encoding the
   * whole object gives (tests compare both), without re-encoding hundreds of virtual hosts per node.
   */
  private outboundRoute(policy: CompiledPolicy, w: CompiledWorkload, reach: readonly CompiledWorkload[], layer: MeshLayer): XdsResource {
    if (this.settings.inspect) return this.resource(ROUTE, OUTBOUND_ROUTE, outboundRoute(policy, w, reach));
    const value = concat([
      encodeMessage(ROUTE, { name: OUTBOUND_ROUTE }),
      ...reach.map((d) => layer.virtualHosts!.get(d.key)!),
      EGRESS_FIELD(),
      encodeMessage(ROUTE, outboundRouteContext(w)),
    ]);
    return rawResource(ROUTE, OUTBOUND_ROUTE, value);
  }

  private localClusters(w: CompiledWorkload, s: SidecarSettings): XdsResource[] {
    const tls = this.settings.tls ? { certDir: s.certDir, authzIdentity: this.settings.tls.authzIdentity } : null;
    const objects: [string, Record<string, unknown>][] = [[AUTHZ_CLUSTER, authzCluster(s.authzAddress, tls)]];
    const pass = passthrough(s.outboundAddress === null ? null : { host: s.appAddress, port: s.outboundPort });
    for (const c of [pass, egressCluster(s.dnsResolver)]) objects.push([c.name as string, c]);
    for (const port of w.ports) {
      const c = inboundApp(port, s.appAddress);
      objects.push([c.name as string, c]);
    }
    if (this.settings.wasm.baseUrl !== null) {
      const c = wasmArtifacts(this.settings.wasm.baseUrl);
      objects.push([c.name as string, c]);
    }
    return this.resources(CLUSTER, objects);
  }

  private extensionConfigs(policy: CompiledPolicy, w: CompiledWorkload, s: SidecarSettings): XdsResource[] {
    const runtime = this.settings.runtime?.();
    // Each filter is sent only its own sections (perFilterConfigs).
    const configs = perFilterConfigs(filterConfigFor(policy, w, runtime?.model ?? null, { quarantined: runtime?.quarantined ?? [] }));
    const wasm = this.settings.wasm;
    return this.resources(EXTENSION_CONFIG, [
      [ECDS_IDENTITY, wasmExtensionConfig(ECDS_IDENTITY, 'identity', JSON.stringify(configs.identity), s.wasmDir, wasm)],
      [ECDS_ANOMALY, wasmExtensionConfig(ECDS_ANOMALY, 'anomaly', JSON.stringify(configs.anomaly), s.wasmDir, wasm)],
      [ECDS_EGRESS, wasmExtensionConfig(ECDS_EGRESS, 'egress', JSON.stringify(configs.egress), s.wasmDir, wasm)],
    ], false);
  }
}
