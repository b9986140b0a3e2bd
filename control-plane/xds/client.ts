// A programmatic ADS client (SotW or delta) over grpc-js: sends DiscoveryRequests as written and
// queues what comes back. For tests, benchmarks and debugging a node's view
// (go-control-plane has the same in pkg/client/sotw/v3).
import * as grpc from '@grpc/grpc-js';
import type { DeltaDiscoveryRequest } from './delta.js';
import type { DiscoveryRequest } from './sotw.js';
import { adsServiceDefinition, ecdsServiceDefinition } from './wire.js';
import { struct } from './build/common.js';
import { decodeMessage } from './proto.js';

export interface AnyMessage {
  readonly type_url: string;
  readonly value: Uint8Array;
}

export interface SotwResponse {
  readonly version_info: string;
  readonly resources: readonly AnyMessage[];
  readonly type_url: string;
  readonly nonce: string;
}

export interface DeltaResponse {
  readonly system_version_info: string;
  readonly resources: readonly { readonly name: string; readonly version: string; readonly resource: AnyMessage }[];
  readonly type_url: string;
  readonly removed_resources: readonly string[];
  readonly nonce: string;
}

/** A Node message with string metadata (protobufjs form). */
export function nodeMessage(id: string, metadata: Readonly<Record<string, string>>, userAgent = 'meshguard-ads-client'): Record<string, unknown> {
  return { id, cluster: 'meshguard-test', metadata: struct(metadata), user_agent_name: userAgent };
}

/** Decodes the resources of a SotW response into plain objects. */
export function decodeResources(response: SotwResponse): Record<string, unknown>[] {
  return response.resources.map((r) => decodeMessage(r.type_url, r.value));
}

type ServiceClient = grpc.Client & Record<string, (metadata?: grpc.Metadata) => grpc.ClientDuplexStream<unknown, unknown>>;

const ADS = grpc.makeGenericClientConstructor(adsServiceDefinition(), 'AggregatedDiscoveryService');
const ECDS = grpc.makeGenericClientConstructor(ecdsServiceDefinition(), 'ExtensionConfigDiscoveryService');

export class AdsClient<Res = SotwResponse, Req = DiscoveryRequest> {
  readonly responses: Res[] = [];
  private readonly waiters: { resolve: (r: Res) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];
  private readonly client: ServiceClient;
  private readonly call: grpc.ClientDuplexStream<unknown, unknown>;
  /** The stream's final status (OK when the server ends it). */
  readonly status: Promise<grpc.StatusObject>;
  private read = 0;
  private listener: ((r: Res) => void) | null = null;

  private constructor(address: string, credentials: grpc.ChannelCredentials, method: string, ecds: boolean, options: grpc.ChannelOptions) {
    const Ctor = ecds ? ECDS : ADS;
    this.client = new Ctor(address, credentials, options) as ServiceClient;
    this.call = this.client[method]!();
    this.call.on('data', (r: Res) => {
      if (this.listener) return this.listener(r);
      const w = this.waiters.shift();
      if (w) {
        clearTimeout(w.timer);
        this.read++;
        this.responses.push(r);
        w.resolve(r);
      } else {
        this.responses.push(r);
      }
    });
    this.status = new Promise((resolve) => {
      this.call.on('status', (s: grpc.StatusObject) => resolve(s));
      this.call.on('error', (e: grpc.ServiceError) => {
        resolve({ code: e.code, details: e.details, metadata: e.metadata });
        for (const w of this.waiters.splice(0)) {
          clearTimeout(w.timer);
          w.reject(e);
        }
      });
    });
  }

  static sotw(address: string, credentials = grpc.credentials.createInsecure(), ecds = false, options: grpc.ChannelOptions = {}): AdsClient<SotwResponse, DiscoveryRequest> {
    return new AdsClient<SotwResponse, DiscoveryRequest>(address, credentials, ecds ? 'StreamExtensionConfigs' : 'StreamAggregatedResources', ecds, options);
  }

  static delta(address: string, credentials = grpc.credentials.createInsecure(), ecds = false, options: grpc.ChannelOptions = {}): AdsClient<DeltaResponse, DeltaDiscoveryRequest> {
    return new AdsClient<DeltaResponse, DeltaDiscoveryRequest>(address, credentials, ecds ? 'DeltaExtensionConfigs' : 'DeltaAggregatedResources', ecds, options);
  }

  /** Delivers every later response to `listener` instead of queueing it for `next`. */
  onResponse(listener: (r: Res) => void): void {
    this.listener = listener;
  }

  send(request: Req): void {
    this.call.write(request);
  }

  /** The next response not yet returned by `next`, waiting up to `timeoutMs`. */
  next(timeoutMs = 5000): Promise<Res> {
    if (this.read < this.responses.length) return Promise.resolve(this.responses[this.read++]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.findIndex((w) => w.timer === timer);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no xDS response within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push({ resolve, reject, timer });
    });
  }

  /** Resolves true when no response arrives for `ms` (for "nothing is re-sent" checks). */
  async quiet(ms: number): Promise<boolean> {
    const before = this.responses.length;
    await new Promise((r) => setTimeout(r, ms));
    return this.responses.length === before;
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}
