// Maps the host's context ids onto context objects and routes each proxy_on_* callback.
// abi/exports.ts forwards every export here in one line.
import { proxy_set_effective_context } from "./abi/imports";
import { ByteBuf } from "./bytes";
import { Context, HttpContext, RootContext, StreamContext } from "./context";
import { logWarn } from "./log";
import { getProperty, PropertyPath } from "./properties";
import { DataStatus, FilterStatus, HeadersStatus, PeerType, TrailersStatus } from "./types";

export type RootFactory = (contextId: u32) => RootContext;

class Registration {
  readonly rootIdBytes: ByteBuf;
  constructor(public readonly rootId: string, public readonly factory: RootFactory) {
    this.rootIdBytes = ByteBuf.fromString(rootId);
  }
}

const registrations = new Array<Registration>();

/**
 * Registers the root context of a plugin `root_id`. With one registration it serves every root
 * id; with several, the `plugin_root_id` property picks one, and an id that matches none gets the
 * registration whose rootId is "" (or the first one). Call at the top level of a filter's entry.
 */
export function registerRootContext(factory: RootFactory, rootId: string = ""): void {
  registrations.push(new Registration(rootId, factory));
}

const PLUGIN_ROOT_ID = PropertyPath.of(["plugin_root_id"]);
const rootIdScratch = new ByteBuf(32);

function pickRegistration(): Registration {
  if (registrations.length == 1) return registrations[0];
  getProperty(PLUGIN_ROOT_ID, rootIdScratch);
  let fallback = registrations[0];
  for (let i = 0; i < registrations.length; i++) {
    const r = registrations[i];
    if (r.rootIdBytes.equals(rootIdScratch)) return r;
    if (r.rootId.length == 0) fallback = r;
  }
  return fallback;
}

const roots = new Map<u32, RootContext>();
const streams = new Map<u32, Context>();
const callouts = new Map<u32, u32>();

// The last stream looked up: consecutive callbacks usually concern the same stream.
let cachedId: u32 = 0;
let cachedStream: Context | null = null;

/** The context whose callback is running (the caller of httpCall). */
let activeId: u32 = 0;

@inline export function activeContextId(): u32 {
  return activeId;
}

export function recordCallout(callId: u32): void {
  callouts.set(callId, activeId);
}

function stream(id: u32): Context | null {
  activeId = id;
  if (id == cachedId && cachedStream !== null) return cachedStream;
  if (!streams.has(id)) return null;
  const found = streams.get(id);
  cachedId = id;
  cachedStream = found;
  return found;
}

function root(id: u32): RootContext | null {
  activeId = id;
  return roots.has(id) ? roots.get(id) : null;
}

function anyContext(id: u32): Context | null {
  const s = stream(id);
  if (s !== null) return s;
  return root(id);
}

export function onContextCreate(id: u32, parentId: u32): void {
  activeId = id;
  if (parentId == 0) {
    const factory = pickRegistration().factory;
    roots.set(id, factory(id));
    return;
  }
  const parent = root(parentId);
  activeId = id;
  if (parent === null) {
    logWarn("meshguard sdk: stream context created under an unknown root context");
    streams.set(id, new HttpContext(id, new RootContext(parentId)));
    return;
  }
  const http = parent.newHttpContext(id);
  if (http !== null) {
    streams.set(id, http);
    return;
  }
  const tcp = parent.newStreamContext(id);
  streams.set(id, tcp !== null ? tcp : new HttpContext(id, parent));
}

export function onVmStart(rootId: u32, size: u32): bool {
  const r = root(rootId);
  return r !== null && r.onVmStart(size);
}

export function onConfigure(rootId: u32, size: u32): bool {
  const r = root(rootId);
  return r !== null && r.onConfigure(size);
}

export function onTick(rootId: u32): void {
  const r = root(rootId);
  if (r !== null) r.onTick();
}

export function onQueueReady(rootId: u32, queueId: u32): void {
  const r = root(rootId);
  if (r !== null) r.onQueueReady(queueId);
}

export function onDone(id: u32): bool {
  const c = anyContext(id);
  return c === null || c.onDone();
}

export function onLog(id: u32): void {
  const c = anyContext(id);
  if (c !== null) c.onLog();
}

export function onDelete(id: u32): void {
  const c = anyContext(id);
  if (c !== null) c.onDelete();
  if (id == cachedId) {
    cachedId = 0;
    cachedStream = null;
  }
  if (streams.has(id)) streams.delete(id);
  else if (roots.has(id)) roots.delete(id);
}

/**
 * Envoy calls back on the root context; deliver to the context that made the call, or to that
 * root when the caller is gone (a stream that ended while its call was in flight).
 */
export function onHttpCallResponse(rootId: u32, callId: u32, numHeaders: u32, bodySize: u32, numTrailers: u32): void {
  let target: Context | null = null;
  if (callouts.has(callId)) {
    const origin = callouts.get(callId);
    callouts.delete(callId);
    target = anyContext(origin);
    if (target !== null && origin != rootId) proxy_set_effective_context(origin);
  }
  if (target === null) target = root(rootId);
  if (target !== null) target.onHttpCallResponse(callId, numHeaders, bodySize, numTrailers);
}

function http(id: u32): HttpContext | null {
  const c = stream(id);
  return c instanceof HttpContext ? changetype<HttpContext>(c) : null;
}

function tcp(id: u32): StreamContext | null {
  const c = stream(id);
  return c instanceof StreamContext ? changetype<StreamContext>(c) : null;
}

export function onRequestHeaders(id: u32, n: u32, eos: bool): HeadersStatus {
  const c = http(id);
  return c === null ? HeadersStatus.Continue : c.onRequestHeaders(n, eos);
}

export function onRequestBody(id: u32, size: u32, eos: bool): DataStatus {
  const c = http(id);
  return c === null ? DataStatus.Continue : c.onRequestBody(size, eos);
}

export function onRequestTrailers(id: u32, n: u32): TrailersStatus {
  const c = http(id);
  return c === null ? TrailersStatus.Continue : c.onRequestTrailers(n);
}

export function onResponseHeaders(id: u32, n: u32, eos: bool): HeadersStatus {
  const c = http(id);
  return c === null ? HeadersStatus.Continue : c.onResponseHeaders(n, eos);
}

export function onResponseBody(id: u32, size: u32, eos: bool): DataStatus {
  const c = http(id);
  return c === null ? DataStatus.Continue : c.onResponseBody(size, eos);
}

export function onResponseTrailers(id: u32, n: u32): TrailersStatus {
  const c = http(id);
  return c === null ? TrailersStatus.Continue : c.onResponseTrailers(n);
}

export function onNewConnection(id: u32): FilterStatus {
  const c = tcp(id);
  return c === null ? FilterStatus.Continue : c.onNewConnection();
}

export function onDownstreamData(id: u32, size: u32, eos: bool): FilterStatus {
  const c = tcp(id);
  return c === null ? FilterStatus.Continue : c.onDownstreamData(size, eos);
}

export function onDownstreamConnectionClose(id: u32, peer: PeerType): void {
  const c = tcp(id);
  if (c !== null) c.onDownstreamConnectionClose(peer);
}

export function onUpstreamData(id: u32, size: u32, eos: bool): FilterStatus {
  const c = tcp(id);
  return c === null ? FilterStatus.Continue : c.onUpstreamData(size, eos);
}

export function onUpstreamConnectionClose(id: u32, peer: PeerType): void {
  const c = tcp(id);
  if (c !== null) c.onUpstreamConnectionClose(peer);
}
