// The gRPC edge of the xDS server: ADS (SotW and delta) and ECDS streams. Reads the node and the
// peer certificate from the first request, admits or refuses the stream (the only place gRPC
// status codes are chosen), then hands requests and snapshots to the protocol state machines.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { CompiledPolicy } from '../policy/compiled.js';
import { MeshguardError } from '../errors.js';
import type { ConfigWatcher, NodeInfo, Snapshot, StreamCallbacks, StreamInfo, Watch } from './contracts.js';
import { DeltaStream, type DeltaDiscoveryRequest } from './delta.js';
import { admitNode, parseNode, spiffeIdOf } from './node.js';
import { SotwStream, type DiscoveryRequest } from './sotw.js';
import { CLUSTER, EXTENSION_CONFIG, LISTENER } from './type-urls.js';
import { adsServiceDefinition, ecdsServiceDefinition } from './wire.js';

export interface XdsServiceOptions {
  readonly watcher: ConfigWatcher;
  readonly callbacks: StreamCallbacks;
  readonly logger: Logger;
  /** True when the port requires mTLS: a node's certificate must carry its workload's identity. */
  readonly tls: boolean;
  /** The policy in force (for identity checks). */
  policy(): CompiledPolicy;
}

type Stream = SotwStream | DeltaStream;
type Request = DiscoveryRequest & DeltaDiscoveryRequest;
type Call = grpc.ServerDuplexStream<Request, unknown>;

class StreamRefused extends Error {
  constructor(readonly code: grpc.status, message: string) {
    super(message);
  }
}

let nextStreamId = 0;

function peerIdentity(call: Call): string | null {
  return spiffeIdOf(call.getAuthContext?.()?.sslPeerCertificate?.subjectaltname);
}

/** Envoy's LDS and CDS treat an empty first request as a wildcard; gRPC clients never do. */
function legacyWildcardFor(node: NodeInfo): (typeUrl: string) => boolean {
  return (typeUrl) => !node.proxyless && (typeUrl === LISTENER || typeUrl === CLUSTER);
}

/** One stream's lifecycle: open on the first request, requests, snapshots, close once. */
class StreamHandler {
  private stream: Stream | null = null;
  private info: StreamInfo | null = null;
  private watch: Watch | null = null;
  private closed = false;

  constructor(private readonly o: XdsServiceOptions, private readonly call: Call, private readonly delta: boolean, private readonly fixedType: string | null) {
    call.on('data', (request: Request) => this.onRequest(request));
    call.on('end', () => this.close(null, null));
    call.on('error', (err: Error) => this.close(null, err.message));
    call.on('cancelled', () => this.close(null, 'cancelled'));
  }

  private onRequest(request: Request): void {
    if (this.closed) return;
    try {
      this.stream ??= this.open(request);
      const typeUrl = this.fixedType ?? request.type_url ?? '';
      if (this.fixedType && request.type_url && request.type_url !== this.fixedType) {
        throw new StreamRefused(grpc.status.INVALID_ARGUMENT, `this service serves ${this.fixedType}, not ${request.type_url}`);
      }
      if (typeUrl === '') throw new StreamRefused(grpc.status.INVALID_ARGUMENT, 'a request on an aggregated stream needs a type_url');
      this.stream.handleRequest(request, typeUrl);
    } catch (err) {
      if (err instanceof StreamRefused) this.close(err, err.message);
      else if (err instanceof MeshguardError) this.close(new StreamRefused(grpc.status.UNAVAILABLE, `${err.code}: ${err.message}`), err.message);
      else {
        this.o.logger.error({ event: 'xds_stream_error', err }, 'xDS stream failed');
        this.close(new StreamRefused(grpc.status.INTERNAL, 'meshguard could not answer'), (err as Error).message);
      }
    }
  }

  private open(request: Request): Stream {
    const typeUrl = this.fixedType ?? request.type_url ?? '';
    const parsed = parseNode(request.node, { typeUrl, names: (this.delta ? request.resource_names_subscribe : request.resource_names) ?? [] });
    if (!parsed.ok) {
      this.o.callbacks.onRefused(null, peerIdentity(this.call), parsed.reason);
      throw new StreamRefused(grpc.status.INVALID_ARGUMENT, parsed.reason);
    }
    const node = parsed.node;
    const peer = peerIdentity(this.call);
    this.admit(node, peer, this.o.policy());
    const info: StreamInfo = { id: ++nextStreamId, node, delta: this.delta, peerIdentity: peer, openedAt: Date.now() };
    this.info = info;
    const send = (response: unknown) => {
      if (!this.closed) this.call.write(response);
    };
    const stream: Stream = this.delta
      ? new DeltaStream(info, send, this.o.callbacks, legacyWildcardFor(node))
      : new SotwStream(info, send, this.o.callbacks, legacyWildcardFor(node));
    this.o.callbacks.onStreamOpen(info);
    this.watch = this.o.watcher.watch(node, (snapshot) => this.onSnapshot(snapshot));
    stream.setSnapshot(this.watch.snapshot, false);
    return stream;
  }

  private admit(node: NodeInfo, peer: string | null, policy: CompiledPolicy): void {
    const admission = admitNode(node, peer, this.o.tls, policy);
    if (admission.ok) return;
    this.o.callbacks.onRefused(node, peer, admission.reason);
    throw new StreamRefused(grpc.status.PERMISSION_DENIED, admission.reason);
  }

  private onSnapshot(snapshot: Snapshot): void {
    if (this.closed || !this.stream || !this.info) return;
    try {
      this.admit(this.info.node, this.info.peerIdentity, this.o.policy());
      this.stream.setSnapshot(snapshot, true);
    } catch (err) {
      if (err instanceof StreamRefused) this.close(err, err.message);
      else throw err;
    }
  }

  private close(refusal: StreamRefused | null, reason: string | null): void {
    if (this.closed) return;
    this.closed = true;
    this.watch?.cancel();
    if (this.info) this.o.callbacks.onStreamClosed(this.info, reason);
    try {
      if (refusal) this.call.emit('error', { code: refusal.code, details: refusal.message, metadata: new grpc.Metadata() });
      else if (!this.call.cancelled) this.call.end();
    } catch {
      // the call is already gone
    }
  }
}

function handler(o: XdsServiceOptions, delta: boolean, fixedType: string | null): grpc.handleBidiStreamingCall<Request, unknown> {
  return (call) => void new StreamHandler(o, call, delta, fixedType);
}

/** Adds ADS and ECDS (both SotW and delta) to a grpc-js server. */
export function addXdsServices(server: grpc.Server, o: XdsServiceOptions): void {
  server.addService(adsServiceDefinition(), {
    StreamAggregatedResources: handler(o, false, null),
    DeltaAggregatedResources: handler(o, true, null),
  });
  server.addService(ecdsServiceDefinition(), {
    StreamExtensionConfigs: handler(o, false, EXTENSION_CONFIG),
    DeltaExtensionConfigs: handler(o, true, EXTENSION_CONFIG),
  });
}
