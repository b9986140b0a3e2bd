// Nodes: what meshguard reads from `Node.metadata`, and whether a node may be served (pure).
//
// Node metadata keys (string values):
//   meshguard.io/workload       <namespace>/<name> — required; the node is served only that workload's resources
//                               (Istio sidecars, which can only pass ISTIO_META_* environment variables, send it
//                               as MESHGUARD_WORKLOAD)
//   meshguard.io/proxyless      optional override: "true" a proxyless gRPC client or server, "false" an Envoy sidecar;
//                               without it the kind is told from what the node sends (see nodeKind)
//   Envoy sidecars only, all optional:
//   meshguard.io/wasm-dir       where the sidecar has identity.wasm, egress.wasm, anomaly.wasm (default /etc/meshguard/wasm)
//   meshguard.io/cert-dir       the workload's cert.pem, key.pem and ca.pem (default /etc/meshguard/certs)
//   meshguard.io/authz-address  host:port of meshguard's ext_authz server (default: the control plane's own)
//   meshguard.io/inbound-port   the inbound listener's port (default 15006)
//   meshguard.io/outbound-port  the outbound listener's port (default 15001)
//   meshguard.io/listen-address the address both listeners bind (default 0.0.0.0)
//   meshguard.io/dns-resolver   host:port of the DNS server Envoy resolves egress names with (default: the system's)
//   Direct mode, for a sidecar without an iptables redirect (replay --envoy, the Envoy tests and benchmark):
//   meshguard.io/inbound-address   the inbound listener listens on this IP at each of the workload's ports
//                                  (its filter chains match on the port the connection arrived on)
//   meshguard.io/outbound-address  the outbound listener listens on this IP at the outbound port, 80 and 443
//   meshguard.io/app-address       the local application's IP (default 127.0.0.1); in direct outbound mode
//                                  passthrough traffic goes to it at the outbound port, as there is no
//                                  original destination to return to
import type { CompiledPolicy } from '../policy/compiled.js';
import { SERVER_LISTENER_PREFIX } from './build/names.js';
import type { NodeInfo } from './contracts.js';
import { LISTENER } from './type-urls.js';

export const META_WORKLOAD = 'meshguard.io/workload';
/** The same, as Istio passes it (ISTIO_META_MESHGUARD_WORKLOAD → node metadata MESHGUARD_WORKLOAD). */
export const META_WORKLOAD_ISTIO = 'MESHGUARD_WORKLOAD';
export const META_PROXYLESS = 'meshguard.io/proxyless';
export const META_WASM_DIR = 'meshguard.io/wasm-dir';
export const META_CERT_DIR = 'meshguard.io/cert-dir';
export const META_AUTHZ_ADDRESS = 'meshguard.io/authz-address';
export const META_INBOUND_PORT = 'meshguard.io/inbound-port';
export const META_OUTBOUND_PORT = 'meshguard.io/outbound-port';
export const META_LISTEN_ADDRESS = 'meshguard.io/listen-address';
export const META_DNS_RESOLVER = 'meshguard.io/dns-resolver';
export const META_INBOUND_ADDRESS = 'meshguard.io/inbound-address';
export const META_OUTBOUND_ADDRESS = 'meshguard.io/outbound-address';
export const META_APP_ADDRESS = 'meshguard.io/app-address';

/** The metadata keys that change what a sidecar is sent (part of its snapshot key). */
const SIDECAR_SETTINGS = [
  META_WASM_DIR, META_CERT_DIR, META_AUTHZ_ADDRESS, META_INBOUND_PORT, META_OUTBOUND_PORT, META_LISTEN_ADDRESS, META_DNS_RESOLVER,
  META_INBOUND_ADDRESS, META_OUTBOUND_ADDRESS, META_APP_ADDRESS,
];

const WORKLOAD_KEY = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;

export type NodeResult = { ok: true; node: NodeInfo } | { ok: false; reason: string };
export type Admission = { ok: true } | { ok: false; reason: string };

/** google.protobuf.Struct (protobufjs object form: its built-in Value has camelCase fields) → its string and boolean entries. */
function stringMetadata(metadata: unknown): Record<string, string> {
  const fields = (metadata as { fields?: Record<string, { stringValue?: unknown; boolValue?: unknown }> } | undefined)?.fields ?? {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v?.stringValue === 'string') out[k] = v.stringValue;
    else if (typeof v?.boolValue === 'boolean') out[k] = String(v.boolValue);
  }
  return out;
}

function snapshotKey(workload: string, proxyless: boolean, metadata: Record<string, string>): string {
  if (proxyless) return `grpc|${workload}`;
  return `envoy|${workload}|${JSON.stringify(SIDECAR_SETTINGS.map((k) => metadata[k] ?? ''))}`;
}

/** What the first request of a stream asks for, besides its node. */
export interface FirstRequest {
  readonly typeUrl: string;
  /** SotW `resource_names`, or delta `resource_names_subscribe`. */
  readonly names: readonly string[];
}

export type NodeKind = { proxyless: boolean; by: 'metadata' | 'user agent' | 'resource names' | 'default' };

/**
 * Envoy or proxyless gRPC, from what the node sends (DESIGN.md "xDS conventions"):
 * 1. `meshguard.io/proxyless` "true"/"false" decides when present (an explicit override);
 * 2. the user agent: Envoy sends "envoy"; gRPC libraries send "gRPC <language>" ("gRPC Node Pure
 *    JS", "gRPC Go", "gRPC Java", "gRPC C-core"...);
 * 3. the names asked for: Envoy always subscribes to every Listener (wildcard), while a gRPC client
 *    names its `xds:///` target and a gRPC server its `meshguard/grpc/server?address=` listener;
 * 4. otherwise an Envoy sidecar.
 */
export function nodeKind(metadata: Readonly<Record<string, string>>, userAgent: string, first: FirstRequest | null): NodeKind {
  const marker = metadata[META_PROXYLESS];
  if (marker === 'true' || marker === 'false') return { proxyless: marker === 'true', by: 'metadata' };
  if (/^envoy\b/i.test(userAgent)) return { proxyless: false, by: 'user agent' };
  if (/^grpc\b/i.test(userAgent)) return { proxyless: true, by: 'user agent' };
  const named = first?.typeUrl === LISTENER ? first.names.filter((n) => n !== '*' && n !== '') : [];
  if (named.length > 0 || first?.names.some((n) => n.startsWith(SERVER_LISTENER_PREFIX))) return { proxyless: true, by: 'resource names' };
  return { proxyless: false, by: 'default' };
}

/** Reads the node of a stream's first request (and, to tell its kind, what that request asks for). */
export function parseNode(node: Record<string, unknown> | null | undefined, first: FirstRequest | null = null): NodeResult {
  if (!node) return { ok: false, reason: 'the first request of a stream carries no node' };
  const metadata = stringMetadata(node.metadata);
  const workload = metadata[META_WORKLOAD] ?? metadata[META_WORKLOAD_ISTIO];
  if (workload === undefined) return { ok: false, reason: `node metadata has no "${META_WORKLOAD}" (expected "<namespace>/<name>")` };
  if (!WORKLOAD_KEY.test(workload)) return { ok: false, reason: `node metadata "${META_WORKLOAD}" is "${workload}", not "<namespace>/<name>"` };
  const userAgent = typeof node.user_agent_name === 'string' ? node.user_agent_name : '';
  const kind = nodeKind(metadata, userAgent, first);
  const proxyless = kind.proxyless;
  return {
    ok: true,
    node: {
      id: typeof node.id === 'string' ? node.id : '',
      cluster: typeof node.cluster === 'string' ? node.cluster : '',
      userAgent, kindBy: kind.by,
      workload, proxyless, metadata,
      snapshotKey: snapshotKey(workload, proxyless, metadata),
    },
  };
}

/** The SPIFFE ID of a peer certificate: its one `spiffe://` URI SAN, else null (none, or several). */
export function spiffeIdOf(subjectAltName: string | undefined): string | null {
  if (!subjectAltName) return null;
  const ids = subjectAltName.split(/,\s*/)
    .filter((entry) => entry.startsWith('URI:'))
    .map((entry) => entry.slice(4).replace(/^"(.*)"$/, '$1'))
    .filter((uri) => uri.startsWith('spiffe://'));
  return ids.length === 1 ? ids[0]! : null;
}

/**
 * With TLS material the peer's SPIFFE ID must be the identity of the workload the node names;
 * without it every node is admitted (unauthenticated).
 */
export function admitNode(node: NodeInfo, peerIdentity: string | null, tls: boolean, policy: CompiledPolicy): Admission {
  if (!tls) return { ok: true };
  if (peerIdentity === null) return { ok: false, reason: 'the client certificate has no single spiffe:// URI SAN' };
  const workload = policy.workloads.get(node.workload);
  if (!workload) return { ok: false, reason: `workload "${node.workload}" is not in the inventory, so ${peerIdentity} cannot be checked against it` };
  if (workload.identity !== peerIdentity) {
    return { ok: false, reason: `certificate identity ${peerIdentity} is not ${workload.identity}, the identity of workload ${node.workload}` };
  }
  return { ok: true };
}
