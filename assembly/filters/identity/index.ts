// identity: mTLS identity check on inbound requests. Strips client-sent x-meshguard-* and
// x-forwarded-client-cert, takes the source identity from the verified peer certificate only,
// then decides (decide.ts) and either annotates the request or sends a local reply.
import {
  ByteBuf, bytesEqual, Counter, getHeaderPairs, getProperty, HeadersStatus, HttpContext, LogLevel, logBytes,
  logEnabled, logInfo, MapType, PairsReader, PropertyPath, registerRootContext, removeHeaderRaw, replaceRequestHeader,
  RootContext,
} from "../../sdk";
import { normalizePath, PathError } from "../../lib/path";
import { JsonKind } from "../../lib/json";
import { ConfigReader } from "../common/config_reader";
import { DenyReply, RULE_HEADER } from "../common/deny_reply";
import {
  readAddressIp, readConfigDocument, readDestinationPort, rejectConfiguration, SOURCE_ADDRESS,
} from "../common/request_facts";
import { TelemetryBatcher } from "../common/telemetry";
import { InboundConfig, readInboundConfig } from "./config";
import { decideInbound, InboundRequest, InboundVerdict, principalWellFormed } from "./decide";

export * from "../../sdk/exports";

// The peer's first URI SAN. Envoy (and our host) answer it only on a TLS connection whose peer
// presented a certificate, so `connection.mtls` is not read as well: it would cost one more
// property read per request (about 0.9 µs of Envoy CPU, see docs/benchmarks.md) and decide nothing.
const PEER_URI_SAN = PropertyPath.of(["connection", "uri_san_peer_certificate"]);
const SOURCE_HEADER = ByteBuf.fromString("x-meshguard-source");
const MESHGUARD_PREFIX = ByteBuf.fromString("x-meshguard-");
const XFCC = ByteBuf.fromString("x-forwarded-client-cert");
const PATH = ByteBuf.fromString(":path");
const METHOD = ByteBuf.fromString(":method");
/** The :path as sent, for telemetry. */
const rawPath = new ByteBuf(256);

// Per-request scratch, reused: a VM runs one callback at a time and all the work of a request
// happens inside onRequestHeaders.
const headerPairs = new ByteBuf(2048);
const pairs = new PairsReader();
const request = new InboundRequest();
const verdict = new InboundVerdict();
const reply = new DenyReply("identity");

class IdentityRoot extends RootContext {
  config: InboundConfig | null = null;
  allowed: Counter | null = null;
  denied: Counter | null = null;
  stripped: Counter | null = null;
  telemetry: TelemetryBatcher | null = null;
  reportAllowed: bool = true;

  onConfigure(size: u32): bool {
    const r = new ConfigReader();
    const doc = readConfigDocument("identity", size, r);
    if (doc === null) return false;
    const config = readInboundConfig(r, doc);
    if (config === null) return rejectConfiguration("identity", r);
    const telemetry = config.telemetry;
    if (this.telemetry !== null) this.telemetry!.flush();
    this.telemetry = telemetry !== null ? new TelemetryBatcher(telemetry, config.workload) : null;
    // Allowed requests are reported by the anomaly filter when it scores them; with scoring off, here.
    const anomaly = doc.get("anomaly");
    const mode = anomaly !== null && anomaly.kind == JsonKind.Object ? anomaly.get("mode") : null;
    this.reportAllowed = mode === null || mode.kind != JsonKind.String || mode.text == "off";
    this.config = config;
    if (this.allowed === null) {
      this.allowed = new Counter("meshguard_identity_allowed");
      this.denied = new Counter("meshguard_identity_denied");
      this.stripped = new Counter("meshguard_identity_headers_stripped");
    }
    logInfo("meshguard identity: configured " + config.workload + " (policy " + config.version + ", " +
      config.segments.length.toString() + " segments)");
    return true;
  }

  onTick(): void {
    if (this.telemetry !== null) this.telemetry!.flush();
  }

  onHttpCallResponse(callId: u32, numHeaders: u32, bodySize: u32, numTrailers: u32): void {
    if (this.telemetry !== null) this.telemetry!.onResponse(callId, numHeaders);
  }

  /** One observation per decided request: denials always, allowed ones unless anomaly reports them. */
  observe(allowed: bool): void {
    const telemetry = this.telemetry;
    if (telemetry === null || (allowed && !this.reportAllowed)) return;
    telemetry.add(request.principal, request.method, rawPath, verdict.status, -1);
  }

  newHttpContext(contextId: u32): HttpContext | null {
    return new IdentityStream(contextId, this);
  }
}

/** Removes client-sent identity headers and picks up :path and :method on the way. */
function stripAndRead(): i32 {
  let removed = 0;
  let sawPath = false;
  request.method.clear();
  rawPath.clear();
  request.pathError = PathError.NotAbsolute;
  if (!getHeaderPairs(MapType.HttpRequestHeaders, headerPairs) || !pairs.reset(headerPairs)) return 0;
  while (pairs.next()) {
    const key = pairs.keyPtr;
    const keyLength = pairs.keyLength;
    const forged = (keyLength >= MESHGUARD_PREFIX.length && memory.compare(key, MESHGUARD_PREFIX.ptr, MESHGUARD_PREFIX.length) == 0) ||
      bytesEqual(key, keyLength, XFCC.ptr, XFCC.length);
    if (forged) {
      removeHeaderRaw(MapType.HttpRequestHeaders, key, keyLength);
      removed++;
    } else if (!sawPath && bytesEqual(key, keyLength, PATH.ptr, PATH.length)) {
      sawPath = true;
      rawPath.set(pairs.valuePtr, pairs.valueLength);
      request.pathError = normalizePath(pairs.valuePtr, pairs.valueLength, request.path);
    } else if (request.method.length == 0 && bytesEqual(key, keyLength, METHOD.ptr, METHOD.length)) {
      request.method.set(pairs.valuePtr, pairs.valueLength);
    }
  }
  return removed;
}

class IdentityStream extends HttpContext {
  onRequestHeaders(numHeaders: u32, endOfStream: bool): HeadersStatus {
    const root = changetype<IdentityRoot>(this.root);
    const config = root.config;
    if (config === null) {
      reply.send(403, "not-configured", null);
      return HeadersStatus.StopIteration;
    }
    const removed = stripAndRead();
    if (removed > 0) root.stripped!.increment(removed);

    if (config.blocklist.length > 0) readAddressIp(SOURCE_ADDRESS, request.sourceIp);
    else request.sourceIp.version = 0;
    request.principal.clear();
    getProperty(PEER_URI_SAN, request.principal);
    request.principalWellFormed = principalWellFormed(request.principal);
    request.port = config.needsPort ? readDestinationPort() : 0;

    decideInbound(config, request, verdict);
    if (verdict.allow) {
      root.allowed!.increment();
      if (request.principalWellFormed) replaceRequestHeader(SOURCE_HEADER, request.principal);
      const segment = verdict.segment;
      if (segment !== null) replaceRequestHeader(RULE_HEADER, segment.name);
      root.observe(true);
      return HeadersStatus.Continue;
    }
    root.denied!.increment();
    root.observe(false);
    if (logEnabled(LogLevel.Debug)) {
      logBytes(LogLevel.Debug, "meshguard identity: " + verdict.status.toString() + " " + verdict.reason + " principal=", request.principal);
    }
    const segment = verdict.segment;
    reply.send(verdict.status, verdict.reason, segment !== null ? segment.name : null);
    return HeadersStatus.StopIteration;
  }
}

registerRootContext((contextId: u32): RootContext => new IdentityRoot(contextId));
