// The anomaly score of one request, pure (no hostcalls): the twin of `scoreWithModel` in
// control-plane/anomaly/model.ts over what Envoy hands the filter (the header pairs and the body).
//  - signatures: the canonical text of :path, every other header value and the body text (the
//    one body rule, lib/body.ts), joined with U+0001 (score.ts `scoredText`), through one matcher;
//  - with a model: the route's feature limits, parameter names and characters, unknown routes.
// Mesh-owned headers (x-meshguard-*, x-forwarded-client-cert) are not scored: identity removes
// the client's copies before this filter runs and sets its own.
import { ByteBuf, PairsReader } from "../../sdk";
import { appendCanonical } from "../../lib/canonical";
import { ParamList } from "../../lib/params";
import { normalizePath, PathError } from "../../lib/path";
import { appendRouteTemplate } from "../../lib/route_template";
import { decodeBody } from "../../lib/body";
import { decodeUtf8, encodeUtf8, Units } from "../../lib/units";
import { AnomalyConfig, FEATURE_NAMES, FEATURES, ModelConfig, ParamBaseline, RouteMode } from "./config";
import { canonicalParams, computeFeatures, rawParams } from "./features";

const SEPARATOR: u16 = 1;

// model.ts constants
const STAT_POINTS: f64 = 5;
const MAX_STAT_POINTS: f64 = 10;
const PARAM_POINTS: f64 = 3;
const MAX_PARAM_POINTS: f64 = 6;
const CHARSET_POINTS: f64 = 5;
const UNKNOWN_ROUTE_POINTS: f64 = 5;
const MIN_ROUTE_SAMPLES: f64 = 20;

const PATH = ByteBuf.fromString(":path");
const METHOD = ByteBuf.fromString(":method");
const CONTENT_TYPE = ByteBuf.fromString("content-type");
const MESH_PREFIX = ByteBuf.fromString("x-meshguard-");
const XFCC = ByteBuf.fromString("x-forwarded-client-cert");
const UNPARSABLE = ByteBuf.fromString("(unparsable)");

export const HIT_PARAM: i32 = 0;
export const HIT_CHARS: i32 = 1;

export class AnomalyResult {
  score: f64 = 0;
  signatureScore: f64 = 0;
  mode: RouteMode = RouteMode.None;
  signatureHits: StaticArray<u32> = new StaticArray<u32>(0);
  /** Bit f: feature f is above its limit. */
  statHits: i32 = 0;
  /** In the order model.ts adds them: HIT_PARAM / HIT_CHARS and the parameter's index. */
  paramHitKinds: i32[] = [];
  paramHitIndexes: i32[] = [];
  routeUnknown: bool = false;
  route: ByteBuf = new ByteBuf(64);

  reset(words: i32): void {
    if (this.signatureHits.length != words) this.signatureHits = new StaticArray<u32>(words);
    for (let i = 0; i < words; i++) unchecked((this.signatureHits[i] = 0));
    this.score = this.signatureScore = 0;
    this.mode = RouteMode.None;
    this.statHits = 0;
    this.paramHitKinds.length = 0;
    this.paramHitIndexes.length = 0;
    this.routeUnknown = false;
    this.route.clear();
  }
}

/** What the scorer reads from the request headers. */
export class RequestHeaders {
  method: ByteBuf = new ByteBuf(16);
  path: ByteBuf = new ByteBuf(256);
  hasPath: bool = false;
  contentType: ByteBuf = new ByteBuf(64);
  /** Distinct header names, mesh-owned ones excluded (Object.keys(headers).length). */
  count: i32 = 0;
}

function isMeshOwned(key: usize, n: i32): bool {
  if (n >= MESH_PREFIX.length && memory.compare(key, MESH_PREFIX.ptr, <usize>MESH_PREFIX.length) == 0) return true;
  return n == XFCC.length && memory.compare(key, XFCC.ptr, <usize>n) == 0;
}

@inline function isName(key: usize, n: i32, name: ByteBuf): bool {
  return n == name.length && memory.compare(key, name.ptr, <usize>n) == 0;
}

export class Scorer {
  readonly facts: RequestHeaders = new RequestHeaders();
  private pairs: PairsReader = new PairsReader();
  private seenNames: PairsReader = new PairsReader();
  /** The canonical text signatures are searched in. */
  readonly text: Units = new Units(2048);
  private value: Units = new Units(512);
  readonly pathUnits: Units = new Units(256);
  private body: Units = new Units(1024);
  private raw: ParamList = new ParamList();
  readonly params: ParamList = new ParamList();
  readonly features: StaticArray<f64> = new StaticArray<f64>(FEATURES);
  private normalized: ByteBuf = new ByteBuf(256);
  private mask: StaticArray<u32> = new StaticArray<u32>(4);

  /** True when name `key` appears in the pairs before index `before` (a repeated header). */
  private seenBefore(buf: ByteBuf, before: i32, key: usize, n: i32): bool {
    const r = this.seenNames;
    r.reset(buf);
    for (let i = 0; i < before && r.next(); i++) {
      if (r.keyLength == n && memory.compare(r.keyPtr, key, <usize>n) == 0) return true;
    }
    return false;
  }

  /** Reads the header facts and builds the canonical text of :path and the header values. */
  readHeaders(pairs: ByteBuf): void {
    const f = this.facts;
    f.method.clear();
    f.path.clear();
    f.contentType.clear();
    f.hasPath = false;
    f.count = 0;
    const r = this.pairs;
    const text = this.text;
    text.clear();
    if (!r.reset(pairs)) return;
    let sawMethod = false;
    let sawType = false;
    let index = -1;
    while (r.next()) {
      index++;
      const key = r.keyPtr;
      const n = r.keyLength;
      if (isMeshOwned(key, n)) continue;
      if (!this.seenBefore(pairs, index, key, n)) f.count++;
      if (isName(key, n, PATH)) {
        if (!f.hasPath) f.path.set(r.valuePtr, r.valueLength);
        f.hasPath = true;
      } else if (!sawMethod && isName(key, n, METHOD)) {
        sawMethod = true;
        f.method.set(r.valuePtr, r.valueLength);
      } else if (!sawType && isName(key, n, CONTENT_TYPE)) {
        sawType = true;
        f.contentType.set(r.valuePtr, r.valueLength);
      }
    }
    // Part 0 is the path; the other header values follow in header order.
    this.pathUnits.clear();
    decodeUtf8(f.path.ptr, f.path.length, this.pathUnits);
    appendCanonical(this.pathUnits, 0, this.pathUnits.length, text);
    r.reset(pairs);
    while (r.next()) {
      const key = r.keyPtr;
      const n = r.keyLength;
      if (isMeshOwned(key, n) || isName(key, n, PATH)) continue;
      this.value.clear();
      decodeUtf8(r.valuePtr, r.valueLength, this.value);
      text.push(SEPARATOR);
      appendCanonical(this.value, 0, this.value.length, text);
    }
  }

  /** Signature points of what is in `text`: the sum of the points of every group hit, in order. */
  private signatures(config: AnomalyConfig, result: AnomalyResult): void {
    const matcher = config.matcher!;
    result.reset(matcher.words);
    matcher.scan(this.text, 0, this.text.length, 0, result.signatureHits);
    let sum: f64 = 0;
    const points = config.signaturePoints;
    for (let g = 0; g < points.length; g++) {
      if ((unchecked(result.signatureHits[g >> 5]) & (1 << (g & 31))) != 0) sum += unchecked(points[g]);
    }
    result.signatureScore = sum;
    result.score = sum;
  }

  /** After readHeaders: the signature score of :path and the headers alone (the body can only add to it). */
  headerSignatures(config: AnomalyConfig, result: AnomalyResult): void {
    this.signatures(config, result);
    this.routeKey(config, result.route);
  }

  /** After readHeaders: the full score, with the body (empty when the request has none). */
  score(config: AnomalyConfig, body: ByteBuf, result: AnomalyResult): void {
    const model = config.model;
    const units = this.body;
    units.clear();
    if (body.length > 0) {
      decodeBody(body, units);
      this.text.push(SEPARATOR);
      appendCanonical(units, 0, units.length, this.text);
    }
    this.signatures(config, result);
    this.routeKey(config, result.route);
    if (model !== null) this.modelPoints(model, result);
  }

  /** `<workload> <method> <template>` (model.ts routeKey). */
  private routeKey(config: AnomalyConfig, out: ByteBuf): void {
    out.setString(config.workload);
    out.push(32);
    out.appendBuf(this.facts.method);
    out.push(32);
    const f = this.facts;
    if (f.hasPath && normalizePath(f.path.ptr, f.path.length, this.normalized) == PathError.None) {
      appendRouteTemplate(this.normalized.ptr, this.normalized.length, out);
    } else out.appendBuf(UNPARSABLE);
  }

  private modelPoints(model: ModelConfig, result: AnomalyResult): void {
    const path = this.pathUnits;
    const query = path.indexOf(63, 0, path.length);
    rawParams(path, query, this.body, this.facts.contentType, this.raw);
    canonicalParams(this.raw, this.params);
    computeFeatures(path, query, this.params, this.body.length, this.facts.count, this.features);
    const own = model.find(result.route);
    const trained = own !== null && own.count >= MIN_ROUTE_SAMPLES;
    const limits = trained ? own!.limits : model.globalLimits;
    let stat: f64 = 0;
    for (let f = 0; f < FEATURES; f++) {
      if (unchecked(this.features[f]) > unchecked(limits[f])) {
        stat += STAT_POINTS;
        result.statHits |= 1 << f;
      }
    }
    let param: f64 = 0;
    let charset: f64 = 0;
    if (trained) {
      const p = this.params;
      for (let i = 0; i < p.count; i++) {
        const known = own!.findParam(p.text, p.nameFrom(i), p.nameTo(i));
        if (known === null) {
          if (!this.reportedUnknown(result, i)) {
            result.paramHitKinds.push(HIT_PARAM);
            result.paramHitIndexes.push(i);
          }
          param += PARAM_POINTS;
          continue;
        }
        const length = <f64>(p.valueTo(i) - p.valueFrom(i));
        if ((this.hasUnseenChars(known, i) || length > known.maxLength * 1.5 + 8) && charset == 0) {
          charset = CHARSET_POINTS;
          result.paramHitKinds.push(HIT_CHARS);
          result.paramHitIndexes.push(i);
        }
      }
    }
    const unknownRoute = own === null && model.workloadSamples >= MIN_ROUTE_SAMPLES * 5 ? UNKNOWN_ROUTE_POINTS : 0;
    result.routeUnknown = unknownRoute > 0;
    result.score = result.signatureScore + Math.min(stat, MAX_STAT_POINTS) + Math.min(param, MAX_PARAM_POINTS) + charset + unknownRoute;
    result.mode = own === null ? RouteMode.None : own.mode;
  }

  /** An unknown name equal to parameter i's was already reported (hits.includes("param:" + name)). */
  private reportedUnknown(result: AnomalyResult, i: i32): bool {
    const p = this.params;
    for (let k = 0; k < result.paramHitKinds.length; k++) {
      if (unchecked(result.paramHitKinds[k]) != HIT_PARAM) continue;
      const j = unchecked(result.paramHitIndexes[k]);
      const n = p.nameTo(i) - p.nameFrom(i);
      if (p.nameTo(j) - p.nameFrom(j) == n &&
        memory.compare(p.text.ptr + (<usize>p.nameFrom(i) << 1), p.text.ptr + (<usize>p.nameFrom(j) << 1), <usize>n << 1) == 0) return true;
    }
    return false;
  }

  /** Parameter i's value has a character (code ≥ 127 as 127) the baseline never saw. */
  private hasUnseenChars(known: ParamBaseline, i: i32): bool {
    const mask = this.mask;
    for (let w = 0; w < 4; w++) unchecked((mask[w] = 0));
    const p = this.params;
    for (let k = p.valueFrom(i); k < p.valueTo(i); k++) {
      let c = <u32>p.text.at(k);
      if (c > 127) c = 127;
      unchecked((mask[c >> 5] |= 1 << (c & 31)));
    }
    for (let w = 0; w < 4; w++) if ((unchecked(mask[w]) & ~unchecked(known.mask[w])) != 0) return true;
    return false;
  }

  /** The hits as model.ts lists them, comma-separated (signature ids, stat:, param:, chars:, route:unknown). */
  appendHits(config: AnomalyConfig, result: AnomalyResult, out: ByteBuf): void {
    let first = true;
    const ids = config.signatureIds;
    for (let g = 0; g < ids.length; g++) {
      if ((unchecked(result.signatureHits[g >> 5]) & (1 << (g & 31))) == 0) continue;
      if (!first) out.push(44);
      first = false;
      out.appendString(ids[g]);
    }
    for (let f = 0; f < FEATURES; f++) {
      if ((result.statHits & (1 << f)) == 0) continue;
      if (!first) out.push(44);
      first = false;
      out.appendString("stat:");
      out.appendString(FEATURE_NAMES[f]);
    }
    const p = this.params;
    for (let k = 0; k < result.paramHitKinds.length; k++) {
      if (!first) out.push(44);
      first = false;
      out.appendString(result.paramHitKinds[k] == HIT_PARAM ? "param:" : "chars:");
      const i = result.paramHitIndexes[k];
      encodeUtf8(p.text, p.nameFrom(i), p.nameTo(i), out);
    }
    if (result.routeUnknown) {
      if (!first) out.push(44);
      out.appendString("route:unknown");
    }
  }
}
