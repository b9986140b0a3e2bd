// The incremental (delta) protocol for one stream: per type a subscription (names and/or
// wildcard), the version of each resource the client holds, and the responses awaiting an ACK.
// Pure, like sotw.ts.
//
// - Only resources whose version differs from what the client holds are sent; resources that
//   went away (or a subscribed name that does not exist) are listed in removed_resources.
// - Nonces only pair ACK/NACK with a response; subscription changes are honoured whatever the nonce.
// - A NACK is recorded, the client is taken to hold its previous versions, and the rejected
//   versions are not sent again on this stream.
// - A name in resource_names_subscribe is sent even when the client claims to hold it (or
//   rejected it: an explicit subscription is answered once, it is not a re-send loop).
import type { Snapshot, StreamCallbacks, StreamInfo, XdsResource } from './contracts.js';
import { CONTROL_PLANE } from './sotw.js';
import { PUSH_ORDER } from './type-urls.js';

export interface DeltaDiscoveryRequest {
  readonly node?: Record<string, unknown> | null;
  readonly type_url?: string;
  readonly resource_names_subscribe?: readonly string[];
  readonly resource_names_unsubscribe?: readonly string[];
  readonly initial_resource_versions?: Readonly<Record<string, string>>;
  readonly response_nonce?: string;
  readonly error_detail?: { readonly code?: number; readonly message?: string } | null;
}

export interface DeltaDiscoveryResponse {
  system_version_info: string;
  resources: { name: string; version: string; resource: { type_url: string; value: Uint8Array } }[];
  type_url: string;
  removed_resources: string[];
  nonce: string;
  control_plane: { identifier: string };
}

/** The client holds no such resource, and has been told so. */
const ABSENT = '';
const MAX_PENDING = 32;

interface Sent {
  readonly versions: Map<string, string>;
  /** What the client held before this response, to restore on a NACK. */
  readonly previous: Map<string, string | undefined>;
  readonly systemVersion: string;
  readonly editAt: number | null;
}

interface TypeState {
  names: Set<string>;
  wildcard: boolean;
  readonly known: Map<string, string>;
  readonly rejected: Map<string, string>;
  readonly pending: Map<string, Sent>;
}

export class DeltaStream {
  private readonly types = new Map<string, TypeState>();
  private snapshot: Snapshot | null = null;
  private nonce = 0;

  constructor(
    private readonly info: StreamInfo,
    private readonly send: (response: DeltaDiscoveryResponse) => void,
    private readonly callbacks: StreamCallbacks,
    private readonly legacyWildcard: (typeUrl: string) => boolean,
  ) {}

  setSnapshot(snapshot: Snapshot, push: boolean): void {
    this.snapshot = snapshot;
    if (!push) return;
    for (const typeUrl of PUSH_ORDER) {
      const state = this.types.get(typeUrl);
      if (state) this.respond(typeUrl, state, false, snapshot.editAt);
    }
  }

  handleRequest(request: DeltaDiscoveryRequest, typeUrl: string): void {
    let state = this.types.get(typeUrl);
    const first = !state;
    if (!state) {
      state = { names: new Set(), wildcard: false, known: new Map(Object.entries(request.initial_resource_versions ?? {})), rejected: new Map(), pending: new Map() };
      this.types.set(typeUrl, state);
      const subscribe = request.resource_names_subscribe ?? [];
      state.wildcard = subscribe.includes('*') || (subscribe.length === 0 && this.legacyWildcard(typeUrl));
    }
    const sent = request.response_nonce ? state.pending.get(request.response_nonce) : undefined;
    if (sent) {
      state.pending.delete(request.response_nonce!);
      this.acknowledge(typeUrl, state, sent, request);
    }
    this.subscribe(state, request.resource_names_subscribe ?? [], request.resource_names_unsubscribe ?? []);
    this.respond(typeUrl, state, first, null);
  }

  private acknowledge(typeUrl: string, state: TypeState, sent: Sent, request: DeltaDiscoveryRequest): void {
    if (request.error_detail) {
      for (const [name, version] of sent.versions) state.rejected.set(name, version);
      for (const [name, previous] of sent.previous) {
        if (previous === undefined) state.known.delete(name);
        else state.known.set(name, previous);
      }
      this.callbacks.onNack(this.info, typeUrl, sent.systemVersion, request.error_detail.message ?? '');
    } else {
      const latency = sent.editAt === null ? null : (Date.now() - sent.editAt) / 1000;
      this.callbacks.onAck(this.info, typeUrl, sent.systemVersion, latency);
    }
  }

  private subscribe(state: TypeState, subscribe: readonly string[], unsubscribe: readonly string[]): void {
    for (const name of subscribe) {
      if (name === '*') {
        state.wildcard = true;
        continue;
      }
      state.names.add(name);
      state.known.delete(name);
      state.rejected.delete(name);
    }
    for (const name of unsubscribe) {
      if (name === '*') {
        state.wildcard = false;
        continue;
      }
      state.names.delete(name);
      if (!state.wildcard) state.known.delete(name);
    }
  }

  private changes(typeUrl: string, state: TypeState): { resources: XdsResource[]; removed: string[] } {
    const snapshot = this.snapshot!;
    const resources: XdsResource[] = [];
    const removed: string[] = [];
    const consider = (name: string, r: XdsResource | undefined) => {
      const held = state.known.get(name);
      if (r) {
        if (held !== r.version && state.rejected.get(name) !== r.version) resources.push(r);
      } else if (held !== ABSENT && (held !== undefined || state.names.has(name))) {
        removed.push(name);
      }
    };
    const seen = new Set<string>();
    if (state.wildcard) {
      for (const r of snapshot.list(typeUrl)) {
        seen.add(r.name);
        consider(r.name, r);
      }
    }
    for (const name of state.names) if (!seen.has(name)) consider(name, snapshot.get(typeUrl, name));
    for (const name of state.known.keys()) {
      if (seen.has(name) || state.names.has(name)) continue;
      if (state.wildcard) consider(name, snapshot.get(typeUrl, name));
      else state.known.delete(name);
    }
    return { resources, removed };
  }

  private respond(typeUrl: string, state: TypeState, force: boolean, editAt: number | null): void {
    if (!this.snapshot) return;
    const { resources, removed } = this.changes(typeUrl, state);
    if (!force && resources.length === 0 && removed.length === 0) return;
    const nonce = String(++this.nonce);
    const systemVersion = this.snapshot.typeVersion(typeUrl);
    const sent: Sent = { versions: new Map(), previous: new Map(), systemVersion, editAt };
    for (const r of resources) {
      sent.versions.set(r.name, r.version);
      sent.previous.set(r.name, state.known.get(r.name));
      state.known.set(r.name, r.version);
    }
    for (const name of removed) {
      if (state.names.has(name)) state.known.set(name, ABSENT);
      else state.known.delete(name);
    }
    state.pending.set(nonce, sent);
    if (state.pending.size > MAX_PENDING) state.pending.delete(state.pending.keys().next().value!);
    this.send({
      system_version_info: systemVersion,
      resources: resources.map((r) => ({ name: r.name, version: r.version, resource: { type_url: typeUrl, value: r.value } })),
      type_url: typeUrl, removed_resources: removed, nonce, control_plane: CONTROL_PLANE,
    });
    this.callbacks.onResponse(this.info, typeUrl, systemVersion, nonce, resources.length, removed.length);
  }
}
