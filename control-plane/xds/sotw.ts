// The state-of-the-world protocol for one stream (ADS, or one type on a per-type service): per
// type a subscription, the last version and nonce sent, ACK/NACK bookkeeping. Pure: requests and
// snapshots in, responses out through `send`; gRPC lives in server.ts.
//
// - A request whose response_nonce is not the last one sent for its type is stale: ignored.
// - error_detail is a NACK: recorded, and that version is not sent again on this stream (the
//   client keeps its last ACKed version); a later, different version is sent as usual.
// - Listener and Cluster responses carry every resource of the subscription (full state).
// - Legacy wildcard (an empty first request) applies only where `legacyWildcard(type)` says so
//   (Envoy's LDS/CDS); gRPC clients name what they want.
import type { Snapshot, StreamCallbacks, StreamInfo, XdsResource } from './contracts.js';
import { versionOf } from './snapshot.js';
import { PUSH_ORDER } from './type-urls.js';

export interface DiscoveryRequest {
  readonly version_info?: string;
  readonly node?: Record<string, unknown> | null;
  readonly resource_names?: readonly string[];
  readonly type_url?: string;
  readonly response_nonce?: string;
  readonly error_detail?: { readonly code?: number; readonly message?: string } | null;
}

export interface DiscoveryResponse {
  version_info: string;
  resources: { type_url: string; value: Uint8Array }[];
  type_url: string;
  nonce: string;
  control_plane: { identifier: string };
}

interface TypeState {
  names: Set<string>;
  wildcard: boolean;
  everNamed: boolean;
  lastVersion: string | null;
  lastNonce: string | null;
  /** Set when the last response was a push caused by a policy edit: for edit → ACK latency. */
  lastEditAt: number | null;
  rejectedVersion: string | null;
}

export const CONTROL_PLANE = { identifier: 'meshguard' };

export class SotwStream {
  private readonly types = new Map<string, TypeState>();
  private snapshot: Snapshot | null = null;
  private nonce = 0;

  constructor(
    private readonly info: StreamInfo,
    private readonly send: (response: DiscoveryResponse) => void,
    private readonly callbacks: StreamCallbacks,
    private readonly legacyWildcard: (typeUrl: string) => boolean,
  ) {}

  /** A new snapshot: every subscribed type whose content changed is sent, in push order. */
  setSnapshot(snapshot: Snapshot, push: boolean): void {
    this.snapshot = snapshot;
    if (!push) return;
    for (const typeUrl of this.orderedTypes()) this.respond(typeUrl, this.types.get(typeUrl)!, false, snapshot.editAt);
  }

  handleRequest(request: DiscoveryRequest, typeUrl: string): void {
    let state = this.types.get(typeUrl);
    const nonce = request.response_nonce ?? '';
    if (state && nonce !== '' && nonce !== state.lastNonce) {
      this.callbacks.onStaleNonce(this.info, typeUrl, nonce);
      return;
    }
    const first = !state || nonce === '';
    if (!state) {
      state = { names: new Set(), wildcard: false, everNamed: false, lastVersion: null, lastNonce: null, lastEditAt: null, rejectedVersion: null };
      this.types.set(typeUrl, state);
    } else if (nonce !== '') {
      this.acknowledge(typeUrl, state, request);
    }
    const changed = this.subscribe(typeUrl, state, request.resource_names ?? []);
    // A changed subscription is answered even when the version stays (the version does not depend on it).
    if (first || changed) this.respond(typeUrl, state, true, null);
  }

  private acknowledge(typeUrl: string, state: TypeState, request: DiscoveryRequest): void {
    const version = state.lastVersion ?? '';
    if (request.error_detail) {
      state.rejectedVersion = version;
      this.callbacks.onNack(this.info, typeUrl, version, request.error_detail.message ?? '');
    } else {
      const latency = state.lastEditAt === null ? null : (Date.now() - state.lastEditAt) / 1000;
      state.lastEditAt = null;
      this.callbacks.onAck(this.info, typeUrl, request.version_info || version, latency);
    }
  }

  /** Applies the request's names; true when the subscription changed. */
  private subscribe(typeUrl: string, state: TypeState, names: readonly string[]): boolean {
    const explicit = names.filter((n) => n !== '*');
    if (explicit.length > 0) state.everNamed = true;
    const wildcard = names.includes('*') || (names.length === 0 && !state.everNamed && this.legacyWildcard(typeUrl));
    const same = wildcard === state.wildcard && explicit.length === state.names.size && explicit.every((n) => state.names.has(n));
    state.wildcard = wildcard;
    state.names = new Set(explicit);
    return !same;
  }

  private desired(typeUrl: string, state: TypeState): XdsResource[] {
    const snapshot = this.snapshot!;
    const out: XdsResource[] = state.wildcard ? [...snapshot.list(typeUrl)] : [];
    const listed = state.wildcard ? new Set(out.map((r) => r.name)) : null;
    for (const name of state.names) {
      if (listed?.has(name)) continue;
      const r = snapshot.get(typeUrl, name);
      if (r) out.push(r);
    }
    return out;
  }

  private respond(typeUrl: string, state: TypeState, force: boolean, editAt: number | null): void {
    if (!this.snapshot) return;
    const resources = this.desired(typeUrl, state);
    const version = this.versionFor(typeUrl, resources);
    if (!force && (version === state.lastVersion || version === state.rejectedVersion)) return;
    const nonce = String(++this.nonce);
    state.lastVersion = version;
    state.lastNonce = nonce;
    state.lastEditAt = editAt;
    this.send({ version_info: version, resources: resources.map((r) => ({ type_url: typeUrl, value: r.value })), type_url: typeUrl, nonce, control_plane: CONTROL_PLANE });
    this.callbacks.onResponse(this.info, typeUrl, version, nonce, resources.length, 0);
  }

  /**
   * The type's version in the snapshot, whatever the subscription: equal snapshots give equal
   * versions (two replicas, any order of requests); resources built on demand by name (a proxyless
   * server's listener) are not in it, so their own versions are folded in.
   */
  private versionFor(typeUrl: string, resources: readonly XdsResource[]): string {
    const snapshot = this.snapshot!;
    const onDemand = resources.filter((r) => !snapshot.listed(typeUrl, r.name));
    const base = snapshot.typeVersion(typeUrl);
    return onDemand.length === 0 ? base : versionOf([...onDemand, { name: '', typeUrl, version: base, value: new Uint8Array() }]);
  }

  private orderedTypes(): string[] {
    const known = PUSH_ORDER.filter((t) => this.types.has(t));
    return [...known, ...[...this.types.keys()].filter((t) => !PUSH_ORDER.includes(t))];
  }
}
