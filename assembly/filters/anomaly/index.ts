// anomaly: inbound per-request anomaly scoring (assembly/lib/anomaly, the same scorer the control
// plane runs as anomaly-core.wasm), the score as the request header x-meshguard-anomaly-score, a
// 403 local reply in `enforce` when the request must be denied (Authorizer.scored: detector score
// ≥ threshold, or the route's learned mode is enforce and the total score ≥ threshold),
// counters, a score histogram, the score and hits in the debug log, and optional telemetry.
//
// Bodies, and Envoy's header status conversion: Envoy turns StopIteration from
// proxy_on_request_headers into StopAllIterationAndWatermark (unless the PluginConfig sets
// allow_on_headers_stop_iteration), and a filter stopped that way gets no body callback until it
// calls proxy_continue_stream — it would never see the body. So when a body follows, headers
// continue (after an early 403 when :path and the headers alone reach the detector threshold in
// enforce mode: the body can only add detector points), the body is buffered to its end
// (StopIterationAndBuffer) and scored there; a denial is then a local reply, which Envoy still
// sends because no response has started. The score header is set only when scoring happens in
// the headers callback (no body): afterwards Envoy no longer lets a filter change request headers.
import {
  BufferType, ByteBuf, Counter, DataStatus, getBufferBytes, getHeaderPairs, getProperty, getPropertyBool, HeadersStatus,
  Histogram, hostLogLevel, HttpContext, LogLevel, logBytes, logInfo, MapType, PropertyPath, registerRootContext,
  replaceRequestHeader, RootContext, TrailersStatus,
} from "../../sdk";
import { ConfigReader } from "../common/config_reader";
import { DenyReply } from "../common/deny_reply";
import { readConfigDocument, rejectConfiguration } from "../common/request_facts";
import { appendNumber, TelemetryBatcher } from "../common/telemetry";
import { RouteMode } from "../../lib/anomaly/model";
import { AnomalyResult, Scorer } from "../../lib/anomaly/scorer";
import { AnomalyConfig, AnomalyMode, readAnomalyConfig } from "./config";
import { bodyText, MAX_BODY_BYTES } from "../../lib/body";

export * from "../../sdk/exports";

const SCORE_HEADER = ByteBuf.fromString("x-meshguard-anomaly-score");
const CONNECTION_MTLS = PropertyPath.of(["connection", "mtls"]);
const PEER_URI_SAN = PropertyPath.of(["connection", "uri_san_peer_certificate"]);

// Per-request scratch, reused: the VM runs one callback at a time.
const headerPairs = new ByteBuf(2048);
const body = new ByteBuf(1024);
const text = new ByteBuf(1024);
const scorer = new Scorer();
const result = new AnomalyResult();
const scoreText = new ByteBuf(16);
const line = new ByteBuf(256);
const principal = new ByteBuf(128);
const reply = new DenyReply("anomaly");

class AnomalyRoot extends RootContext {
  config: AnomalyConfig | null = null;
  scored: Counter | null = null;
  denied: Counter | null = null;
  scores: Histogram | null = null;
  telemetry: TelemetryBatcher | null = null;
  private level: LogLevel = LogLevel.Info;
  private levelAge: u32 = 0;

  /**
   * The host's log level, asked again every 256 requests: a hostcall per request only to learn
   * that debug lines are off would be most of this filter's host cost. Envoy's level changes
   * (admin /logging) reach the filter within 256 requests.
   */
  logLevel(): LogLevel {
    if ((this.levelAge++ & 255) == 0) this.level = hostLogLevel();
    return this.level;
  }

  onConfigure(size: u32): bool {
    const r = new ConfigReader();
    const doc = readConfigDocument("anomaly", size, r);
    if (doc === null) return false;
    const config = readAnomalyConfig(r, doc);
    if (config === null) return rejectConfiguration("anomaly", r);
    if (this.scored === null) {
      this.scored = new Counter("meshguard_anomaly_scored");
      this.denied = new Counter("meshguard_anomaly_denied");
      this.scores = new Histogram("meshguard_anomaly_score");
    }
    if (this.telemetry !== null) this.telemetry!.flush();
    const telemetry = config.telemetry;
    this.telemetry = telemetry !== null && config.mode != AnomalyMode.Off ? new TelemetryBatcher(telemetry, config.workload) : null;
    this.config = config;
    const model = config.model;
    logInfo("meshguard anomaly: configured " + config.workload + " (policy " + config.version + ", mode " +
      ["off", "monitor", "enforce"][config.mode] + ", " +
      (model === null ? "no model" : "model " + model.version + " with " + model.routes.length.toString() + " routes") + ")");
    return true;
  }

  onTick(): void {
    if (this.telemetry !== null) this.telemetry!.flush();
  }

  onHttpCallResponse(callId: u32, numHeaders: u32, bodySize: u32, numTrailers: u32): void {
    if (this.telemetry !== null) this.telemetry!.onResponse(callId, numHeaders);
  }

  newHttpContext(contextId: u32): HttpContext | null {
    return new AnomalyStream(contextId, this);
  }
}

class AnomalyStream extends HttpContext {
  /** The request headers, kept while the body is buffered (null: nothing pending). */
  private pending: ByteBuf | null = null;
  private bodySize: u32 = 0;

  onRequestHeaders(numHeaders: u32, endOfStream: bool): HeadersStatus {
    const root = changetype<AnomalyRoot>(this.root);
    const config = root.config;
    if (config === null) {
      reply.send(403, "not-configured", null);
      return HeadersStatus.StopIteration;
    }
    if (config.mode == AnomalyMode.Off) return HeadersStatus.Continue;
    if (!getHeaderPairs(MapType.HttpRequestHeaders, headerPairs)) headerPairs.clear();
    if (endOfStream) {
      scorer.readHeaders(headerPairs);
      const denied = this.finish(root, config, true);
      return denied ? HeadersStatus.StopIteration : HeadersStatus.Continue;
    }
    // a body follows: the headers are read with it (finishWithBody); here only for enforce's early check
    if (config.mode == AnomalyMode.Enforce) {
      scorer.readHeaders(headerPairs);
      scorer.score(config.workload, null, result);
      if (result.detectorScore >= config.threshold) {
        this.report(root, config, true, false);
        return HeadersStatus.StopIteration;
      }
    }
    const kept = new ByteBuf(headerPairs.length + 1);
    kept.appendBuf(headerPairs);
    this.pending = kept;
    return HeadersStatus.Continue;
  }

  onRequestBody(bodySize: u32, endOfStream: bool): DataStatus {
    if (this.pending === null) return DataStatus.Continue;
    this.bodySize = bodySize;
    if (!endOfStream) return DataStatus.StopIterationAndBuffer;
    return this.finishWithBody() ? DataStatus.StopIterationNoBuffer : DataStatus.Continue;
  }

  onRequestTrailers(numTrailers: u32): TrailersStatus {
    if (this.pending === null) return TrailersStatus.Continue;
    return this.finishWithBody() ? TrailersStatus.StopIteration : TrailersStatus.Continue;
  }

  private finishWithBody(): bool {
    const root = changetype<AnomalyRoot>(this.root);
    const pending = this.pending!;
    this.pending = null;
    const size = this.bodySize < <u32>MAX_BODY_BYTES ? this.bodySize : <u32>MAX_BODY_BYTES;
    if (!getBufferBytes(BufferType.HttpRequestBody, 0, size, body)) body.clear();
    bodyText(body, text);
    scorer.readHeaders(pending);
    scorer.readBody(text);
    return this.finish(root, root.config!, false);
  }

  /** Scores the request; true when it was denied (a local reply was sent). */
  private finish(root: AnomalyRoot, config: AnomalyConfig, headersOpen: bool): bool {
    scorer.score(config.workload, config.model, result);
    const threshold = config.threshold;
    const enforced = result.detectorScore >= threshold || (result.mode == RouteMode.Enforce && result.score >= threshold);
    const deny = config.mode == AnomalyMode.Enforce && enforced;
    if (headersOpen && !deny) {
      scoreText.clear();
      appendNumber(scoreText, result.score);
      replaceRequestHeader(SCORE_HEADER, scoreText);
    }
    this.report(root, config, deny, true);
    return deny;
  }

  /** Counters, histogram, debug log, telemetry; and the local reply when `deny`. */
  private report(root: AnomalyRoot, config: AnomalyConfig, deny: bool, complete: bool): void {
    root.scored!.increment();
    root.scores!.record(<u64>Math.round(result.score));
    if (deny) root.denied!.increment();
    const level = root.logLevel();
    if (level <= LogLevel.Debug) {
      line.setString("meshguard anomaly: score ");
      appendNumber(line, result.score);
      line.appendString(complete ? " detectors " : " detectors (headers) ");
      appendNumber(line, result.detectorScore);
      line.appendString(deny ? " deny" : " allow");
      line.appendString(" route ");
      line.appendBuf(result.route);
      line.appendString(" hits ");
      line.appendBuf(result.hits);
      logBytes(LogLevel.Debug, "", line);
    }
    const telemetry = root.telemetry;
    if (telemetry !== null) {
      principal.clear();
      if (getPropertyBool(CONNECTION_MTLS, false)) getProperty(PEER_URI_SAN, principal);
      const facts = scorer.facts;
      telemetry.add(principal, facts.method, facts.path, deny ? 403 : 200, result.score, result.hits);
    }
    if (deny) reply.send(403, "anomaly-score", null);
  }
}
registerRootContext((contextId: u32): RootContext => new AnomalyRoot(contextId));
