// The anomaly score of one request. The same code runs in the anomaly filter (anomaly.wasm) and,
// compiled into anomaly-core.wasm, in the control plane (ext_authz, `meshguard score`, learning),
// so both give the same score bit for bit.
//   score = detector points (per detector, the most any field earned; summed)
//         + 10 × learned-model points / the route's calibration
import { ByteBuf, PairsReader } from "../../sdk";
import { normalizePath, PathError } from "../path";
import { appendRouteTemplate } from "../route_template";
import { decodeValue, foldValue, startsEscape } from "./canon";
import { detectCrlf, detectJndi, detectLdap, detectNoSqlName, detectNoSqlValue, detectShell, detectTemplate, detectXss, detectXxe } from "./detectors";
import { addJson, addPairs, F_BODY, F_COOKIE, F_HEADER, F_PATH, F_QUERY, Field, FieldList } from "./fields";
import { valueFeatures, ValueFeatures } from "./features";
import { AnomalyModel, fieldPoints, MODEL_NAMES, RouteMode, RouteModel, routePoints, unknownRoutePoints } from "./model";
import { detectSql, SQLI_RULES, SqlResult } from "./sqli";
import { detectTarget, detectTraversal } from "./targets";
import { allBytes, hasByte, textBytes, WordList } from "./words";
import { HeaderFacts, protocolPoints } from "./protocol";

export const DETECTORS: string[] = ["sqli", "xss", "cmdi", "ssti", "traversal", "jndi", "ssrf", "xxe", "ldap", "nosql", "crlf", "protocol"];
const D_SQLI = 0, D_XSS = 1, D_CMDI = 2, D_SSTI = 3, D_TRAVERSAL = 4, D_JNDI = 5, D_SSRF = 6, D_XXE = 7, D_LDAP = 8, D_NOSQL = 9, D_CRLF = 10, D_PROTOCOL = 11;
const DETECTOR_COUNT: i32 = 12;
const MAX_HITS: i32 = 16;

const PATH = ByteBuf.fromString(":path");
const METHOD = ByteBuf.fromString(":method");
const CONTENT_TYPE = ByteBuf.fromString("content-type");
const COOKIE = ByteBuf.fromString("cookie");
const MESH_PREFIX = ByteBuf.fromString("x-meshguard-");
const UNPARSABLE = ByteBuf.fromString("(unparsable)");
const SKIPPED_HEADERS = new WordList(/* ":method|:scheme|:authority|:path|host|accept|accept-encoding|accept-language|content-length|content-type|connection|cache-control|pragma|if-none-match|if-modified-since|upgrade-insecure-requests|sec-fetch-site|sec-fetch-mode|sec-fetch-dest|sec-fetch-user|sec-ch-ua|sec-ch-ua-mobile|sec-ch-ua-platform|dnt|te|x-request-id|traceparent|tracestate|x-b3-traceid|x-b3-spanid|x-b3-parentspanid|x-b3-sampled|x-envoy-expected-rq-timeout-ms|x-envoy-attempt-count|x-envoy-internal|x-forwarded-proto|x-forwarded-client-cert|cookie|transfer-encoding|range|if-range|etag|content-encoding" */ memory.data<u8>([58, 109, 101, 116, 104, 111, 100, 124, 58, 115, 99, 104, 101, 109, 101, 124, 58, 97, 117, 116, 104, 111, 114, 105, 116, 121, 124, 58, 112, 97, 116, 104, 124, 104, 111, 115, 116, 124, 97, 99, 99, 101, 112, 116, 124, 97, 99, 99, 101, 112, 116, 45, 101, 110, 99, 111, 100, 105, 110, 103, 124, 97, 99, 99, 101, 112, 116, 45, 108, 97, 110, 103, 117, 97, 103, 101, 124, 99, 111, 110, 116, 101, 110, 116, 45, 108, 101, 110, 103, 116, 104, 124, 99, 111, 110, 116, 101, 110, 116, 45, 116, 121, 112, 101, 124, 99, 111, 110, 110, 101, 99, 116, 105, 111, 110, 124, 99, 97, 99, 104, 101, 45, 99, 111, 110, 116, 114, 111, 108, 124, 112, 114, 97, 103, 109, 97, 124, 105, 102, 45, 110, 111, 110, 101, 45, 109, 97, 116, 99, 104, 124, 105, 102, 45, 109, 111, 100, 105, 102, 105, 101, 100, 45, 115, 105, 110, 99, 101, 124, 117, 112, 103, 114, 97, 100, 101, 45, 105, 110, 115, 101, 99, 117, 114, 101, 45, 114, 101, 113, 117, 101, 115, 116, 115, 124, 115, 101, 99, 45, 102, 101, 116, 99, 104, 45, 115, 105, 116, 101, 124, 115, 101, 99, 45, 102, 101, 116, 99, 104, 45, 109, 111, 100, 101, 124, 115, 101, 99, 45, 102, 101, 116, 99, 104, 45, 100, 101, 115, 116, 124, 115, 101, 99, 45, 102, 101, 116, 99, 104, 45, 117, 115, 101, 114, 124, 115, 101, 99, 45, 99, 104, 45, 117, 97, 124, 115, 101, 99, 45, 99, 104, 45, 117, 97, 45, 109, 111, 98, 105, 108, 101, 124, 115, 101, 99, 45, 99, 104, 45, 117, 97, 45, 112, 108, 97, 116, 102, 111, 114, 109, 124, 100, 110, 116, 124, 116, 101, 124, 120, 45, 114, 101, 113, 117, 101, 115, 116, 45, 105, 100, 124, 116, 114, 97, 99, 101, 112, 97, 114, 101, 110, 116, 124, 116, 114, 97, 99, 101, 115, 116, 97, 116, 101, 124, 120, 45, 98, 51, 45, 116, 114, 97, 99, 101, 105, 100, 124, 120, 45, 98, 51, 45, 115, 112, 97, 110, 105, 100, 124, 120, 45, 98, 51, 45, 112, 97, 114, 101, 110, 116, 115, 112, 97, 110, 105, 100, 124, 120, 45, 98, 51, 45, 115, 97, 109, 112, 108, 101, 100, 124, 120, 45, 101, 110, 118, 111, 121, 45, 101, 120, 112, 101, 99, 116, 101, 100, 45, 114, 113, 45, 116, 105, 109, 101, 111, 117, 116, 45, 109, 115, 124, 120, 45, 101, 110, 118, 111, 121, 45, 97, 116, 116, 101, 109, 112, 116, 45, 99, 111, 117, 110, 116, 124, 120, 45, 101, 110, 118, 111, 121, 45, 105, 110, 116, 101, 114, 110, 97, 108, 124, 120, 45, 102, 111, 114, 119, 97, 114, 100, 101, 100, 45, 112, 114, 111, 116, 111, 124, 120, 45, 102, 111, 114, 119, 97, 114, 100, 101, 100, 45, 99, 108, 105, 101, 110, 116, 45, 99, 101, 114, 116, 124, 99, 111, 111, 107, 105, 101, 124, 116, 114, 97, 110, 115, 102, 101, 114, 45, 101, 110, 99, 111, 100, 105, 110, 103, 124, 114, 97, 110, 103, 101, 124, 105, 102, 45, 114, 97, 110, 103, 101, 124, 101, 116, 97, 103, 124, 99, 111, 110, 116, 101, 110, 116, 45, 101, 110, 99, 111, 100, 105, 110, 103]), 573);
/** Headers that carry URLs by design: no target check. */
const URL_HEADERS = new WordList(/* "referer|origin" */ memory.data<u8>([114, 101, 102, 101, 114, 101, 114, 124, 111, 114, 105, 103, 105, 110]), 14);
const FORM = ByteBuf.fromString("application/x-www-form-urlencoded");
const JSON_TYPE = ByteBuf.fromString("json");
const XML_TYPE = ByteBuf.fromString("xml");
const BODY_NAME = ByteBuf.fromString("(body)");

export class AnomalyResult {
  score: f64 = 0;
  detectorScore: f64 = 0;
  modelScore: f64 = 0;
  mode: RouteMode = RouteMode.None;
  route: ByteBuf = new ByteBuf(64);
  /** Comma-separated: `sqli:union@q:id`, `model:length+classes@q:q`, `route:unknown-param`… */
  hits: ByteBuf = new ByteBuf(128);
  hitCount: i32 = 0;
  points: StaticArray<f64> = new StaticArray<f64>(DETECTOR_COUNT);

  reset(): void {
    this.score = this.detectorScore = this.modelScore = 0;
    this.mode = RouteMode.None;
    this.route.clear();
    this.hits.clear();
    this.hitCount = 0;
    for (let i = 0; i < DETECTOR_COUNT; i++) unchecked((this.points[i] = 0));
  }

  addHit(kind: string, detail: ByteBuf | null, field: ByteBuf | null): void {
    if (this.hitCount >= MAX_HITS) return;
    if (this.hitCount > 0) this.hits.push(44);
    this.hitCount++;
    this.hits.appendString(kind);
    if (detail !== null) this.hits.appendBuf(detail);
    if (field !== null) {
      this.hits.push(64);
      const n = field.length < 48 ? field.length : 48;
      for (let i = 0; i < n; i++) {
        const c = field.at(i);
        this.hits.push(c < 32 || c == 44 || c == 34 || c == 92 || c >= 127 ? 95 : c);
      }
    }
  }
}

/** One field as the models saw it, for learning. */
export class Observed {
  name: ByteBuf = new ByteBuf(16);
  features: ValueFeatures = new ValueFeatures();
}

export class Scorer {
  readonly fields: FieldList = new FieldList();
  readonly facts: HeaderFacts = new HeaderFacts();
  readonly observed: Observed[] = [];
  observedCount: i32 = 0;
  private pairs: PairsReader = new PairsReader();
  private decoded: ByteBuf = new ByteBuf(256);
  private folded: ByteBuf = new ByteBuf(256);
  private lowered: ByteBuf = new ByteBuf(256);
  private compact: ByteBuf = new ByteBuf(256);
  /** The request's path normalized (DESIGN.md), when `pathNormalized`: read by the path field and the route key. */
  private normalized: ByteBuf = new ByteBuf(256);
  private pathNormalized: bool = false;
  private sql: SqlResult = new SqlResult();
  private detail: ByteBuf = new ByteBuf(24);
  private seen: StaticArray<i32> = new StaticArray<i32>(0);
  /** The bytes of the decoded text of the field being checked. */
  private rawBytes: StaticArray<u32> = new StaticArray<u32>(8);
  private which: StaticArray<i32> = new StaticArray<i32>(1);

  /** Reads the header pairs (Envoy's serialization): facts, cookies and scanned header values as fields. */
  readHeaders(headers: ByteBuf): void {
    const fields = this.fields;
    fields.clear();
    this.facts.clear();
    const r = this.pairs;
    if (!r.reset(headers)) return;
    while (r.next()) {
      const key = r.keyPtr;
      const n = r.keyLength;
      if (n >= MESH_PREFIX.length && memory.compare(key, MESH_PREFIX.ptr, <usize>MESH_PREFIX.length) == 0) continue;
      this.facts.note(key, n, r.valuePtr, r.valueLength);
      if (bytesAre(key, n, PATH) && !this.facts.hasPath) {
        this.facts.hasPath = true;
        this.facts.path.set(r.valuePtr, r.valueLength);
      } else if (bytesAre(key, n, METHOD)) this.facts.method.set(r.valuePtr, r.valueLength);
      else if (bytesAre(key, n, CONTENT_TYPE)) this.facts.contentType.set(r.valuePtr, r.valueLength);
      else if (bytesAre(key, n, COOKIE)) addPairs(r.valuePtr, 0, r.valueLength, 59, F_COOKIE, fields);
      if (SKIPPED_HEADERS.find(key, 0, n) >= 0) continue;
      const f = fields.add(F_HEADER);
      if (f === null) continue;
      f.name.append(key, n);
      f.value.append(r.valuePtr, r.valueLength);
    }
    const path = this.facts.path;
    const q = path.indexOf(63);
    this.pathNormalized = this.facts.hasPath && normalizePath(path.ptr, path.length, this.normalized) == PathError.None;
    const p = fields.add(F_PATH);
    if (p !== null) {
      // The path as segmentation decides on it and as Envoy (normalize_path, merge_slashes) hands
      // it to the filters: dot segments and repeated slashes are gone before any detector runs, so
      // check, replay and Envoy score the same text. A path normalization rejects is a 400 before
      // the score matters; it is scored raw.
      if (this.pathNormalized) p.value.appendBuf(this.normalized);
      else p.value.append(path.ptr, q < 0 ? path.length : q);
      p.plusIsSpace = true;
    }
    if (q >= 0) addPairs(path.ptr, q + 1, path.length, 38, F_QUERY, fields);
  }

  /**
   * After readHeaders: body fields (form, JSON by key path, XML or other as one field) of the body
   * text by the one body rule (lib/body.ts: the first 16 KiB, malformed UTF-8 replaced). A JSON
   * body the cap cut is not JSON any more: it is one field.
   */
  readBody(text: ByteBuf): void {
    const n = text.length;
    if (n == 0) return;
    const type = this.facts.contentType;
    if (contains(type, FORM)) {
      addPairs(text.ptr, 0, n, 38, F_BODY, this.fields);
      return;
    }
    if (contains(type, JSON_TYPE) && addJson(text, this.fields)) return;
    const f = this.fields.add(F_BODY);
    if (f === null) return;
    f.name.appendBuf(contains(type, XML_TYPE) ? XML_NAME : BODY_NAME);
    f.value.append(text.ptr, n);
  }

  /** After readHeaders (and readBody): the score of the request into `out`. */
  score(workload: string, model: AnomalyModel | null, out: AnomalyResult): void {
    out.reset();
    this.routeKey(workload, out.route);
    const route: RouteModel | null = model === null ? null : model!.find(out.route);
    const trained = route !== null && route.count >= 20;
    if (trained) this.prepareSeen(route!);
    this.observedCount = 0;
    let unknown = 0;
    let modelRaw: f64 = 0;
    const fields = this.fields;
    for (let i = 0; i < fields.count; i++) {
      const f = fields.at(i);
      this.decode(f);
      this.detect(f, out);
      allBytes();
      if (f.kind != F_QUERY && f.kind != F_BODY && f.kind != F_COOKIE) continue;
      const o = this.observe(f);
      if (!trained) continue;
      const at = route!.find(f.name);
      if (at < 0) {
        if (f.kind != F_COOKIE) { unknown++; out.addHit("model:unknown-param", null, f.name); }
        continue;
      }
      if (unchecked(this.seen[at]) < 0) unchecked((this.seen[at] = i));
      const points = fieldPoints(unchecked(route!.params[at]), o.features, this.which);
      if (points > 0) {
        modelRaw += points;
        this.modelHit(out, f.name);
      }
    }
    const protocol = protocolPoints(this.facts);
    if (protocol > 0) {
      unchecked((out.points[D_PROTOCOL] = protocol));
      out.addHit("protocol", null, null);
    }
    let detectors: f64 = 0;
    for (let d = 0; d < DETECTOR_COUNT; d++) detectors += unchecked(out.points[d]);
    if (trained) {
      modelRaw += routePoints(route!, unknown, this.seen, this.which);
      const w = this.which[0];
      if ((w & 2) != 0) out.addHit("model:missing-param", null, null);
      if ((w & 4) != 0) out.addHit("model:order", null, null);
    } else if (model !== null && route === null) {
      modelRaw = unknownRoutePoints(model!, workload);
      if (modelRaw > 0) out.addHit("route:unknown", null, null);
    }
    const calibration = trained ? route!.calibration : 8;
    out.detectorScore = detectors;
    out.modelScore = Math.round((10 * modelRaw / calibration) * 100) / 100;
    // whole hundredths: the printed score (header, log, telemetry) is then exactly the double
    out.score = Math.round((detectors + out.modelScore) * 100) / 100;
    out.mode = route === null ? RouteMode.None : route.mode;
  }

  private modelHit(out: AnomalyResult, name: ByteBuf): void {
    const d = this.detail;
    d.clear();
    const w = this.which[0];
    for (let m = 0; m < MODEL_NAMES.length; m++) {
      if ((w & (1 << m)) == 0) continue;
      if (d.length > 0) d.push(43);
      d.appendString(MODEL_NAMES[m]);
    }
    out.addHit("model:", d, name);
  }

  private prepareSeen(route: RouteModel): void {
    if (this.seen.length < route.params.length) this.seen = new StaticArray<i32>(route.params.length + 8);
    for (let i = 0; i < this.seen.length; i++) unchecked((this.seen[i] = -1));
  }

  private decode(f: Field): void {
    // one pass: the copy, '+' as space where it means one, and whether a byte that starts an
    // escape, an entity or an overlong/full-width form is there (else decoding changes nothing)
    const d = this.decoded;
    const v = f.value;
    const n = v.length;
    d.clear();
    d.reserve(n);
    const plus = f.plusIsSpace;
    let escapes = false;
    for (let i = 0; i < n; i++) {
      let c = load<u8>(v.ptr + <usize>i);
      if (c == 43 && plus) c = 32;
      if (startsEscape(c)) escapes = true;
      store<u8>(d.ptr + <usize>i, c);
    }
    d.length = n;
    if (escapes) decodeValue(d);
    foldValue(d, this.folded);
    // lowered and compact are never longer than their sources: written in place; the bytes of
    // the decoded text noted on the way (rawBytes)
    const raw = this.rawBytes;
    for (let b = 0; b < 8; b++) unchecked((raw[b] = 0));
    const l = this.lowered;
    l.clear();
    l.reserve(d.length);
    let m = 0;
    for (let i = 0; i < d.length; i++) {
      const c = d.at(i);
      unchecked((raw[c >> 5] |= 1 << (c & 31)));
      if (c != 0) store<u8>(l.ptr + <usize>(m++), c >= 65 && c <= 90 ? c + 32 : c);
    }
    l.length = m;
    const folded = this.folded;
    const c = this.compact;
    c.clear();
    c.reserve(folded.length);
    m = 0;
    for (let i = 0; i < folded.length; i++) {
      const b = folded.at(i);
      if (b != 32) store<u8>(c.ptr + <usize>(m++), b);
    }
    c.length = m;
    // The folded text's bytes, from the decoded text's (a superset is enough: a byte that is
    // not there only lets a scan be skipped): controls and DEL gone, whitespace and NBSP (C2 A0)
    // as space, A-Z as a-z; and '/' for '\' (detectTraversal reads '\' as '/').
    const upper: u32 = 0x07fffffe;
    unchecked((textBytes[0] = 0));
    unchecked((textBytes[1] = raw[1] | ((raw[0] & 0x3e00) != 0 || hasByte(raw, 0xc2) ? 1 : 0) | (hasByte(raw, 92) ? 1 << 15 : 0)));
    unchecked((textBytes[2] = raw[2] & ~upper));
    unchecked((textBytes[3] = (raw[3] | (raw[2] & upper)) & 0x7fffffff));
    for (let b = 4; b < 8; b++) unchecked((textBytes[b] = raw[b]));
  }

  private observe(f: Field): Observed {
    if (this.observedCount == this.observed.length) this.observed.push(new Observed());
    const o = unchecked(this.observed[this.observedCount++]);
    o.name.set(f.name.ptr, f.name.length);
    valueFeatures(this.decoded, o.features);
    return o;
  }

  private detect(f: Field, out: AnomalyResult): void {
    const text = this.folded;
    const header = f.kind == F_HEADER;
    this.sql.points = 0;
    if (text.length > 0) {
      detectSql(text, this.sql);
      if (this.sql.points > 0) {
        this.detail.setString(":");
        this.detail.appendString(SQLI_RULES[this.sql.rule]);
        record(out, D_SQLI, this.sql.points, "sqli", this.detail, f.name);
      }
      record(out, D_XSS, detectXss(text, this.compact), "xss", null, f.name);
      // a detector is skipped where the field lacks every byte it needs (it would give 0)
      const raw = this.rawBytes;
      if (hasByte(raw, 59) || hasByte(raw, 124) || hasByte(raw, 38) || hasByte(raw, 10) || hasByte(raw, 96) || hasByte(raw, 36) || hasByte(raw, 40) || hasByte(raw, 47)) {
        record(out, D_CMDI, detectShell(this.lowered, raw), "cmdi", null, f.name);
      }
      record(out, D_SSTI, detectTemplate(text), "ssti", null, f.name);
      record(out, D_TRAVERSAL, detectTraversal(text), "traversal", null, f.name);
      if (hasByte(textBytes, 36)) record(out, D_JNDI, detectJndi(this.compact), "jndi", null, f.name);
      if ((hasByte(textBytes, 47) || hasByte(textBytes, 58)) && !(header && URL_HEADERS.find(f.name.ptr, 2, f.name.length) >= 0)) record(out, D_SSRF, detectTarget(text), "ssrf", null, f.name);
      record(out, D_XXE, detectXxe(text), "xxe", null, f.name);
      if (hasByte(textBytes, 40) || hasByte(textBytes, 41)) record(out, D_LDAP, detectLdap(text), "ldap", null, f.name);
      record(out, D_NOSQL, detectNoSqlValue(text), "nosql", null, f.name);
      if (hasByte(raw, 13) || hasByte(raw, 10) || hasByte(raw, 0xe5)) record(out, D_CRLF, detectCrlf(this.decoded, f.kind != F_BODY), "crlf", null, f.name);
    }
    record(out, D_NOSQL, detectNoSqlName(f.name), "nosql", null, f.name);
  }

  /** `<workload> <method> <template>` (control-plane/anomaly/model.ts routeKey). */
  private routeKey(workload: string, out: ByteBuf): void {
    out.setString(workload.length > 0 ? workload : "*");
    out.push(32);
    out.appendBuf(this.facts.method);
    out.push(32);
    if (this.pathNormalized) {
      appendRouteTemplate(this.normalized.ptr, this.normalized.length, out);
    } else out.appendBuf(UNPARSABLE);
  }
}

const XML_NAME = ByteBuf.fromString("(xml)");

function record(out: AnomalyResult, detector: i32, points: f64, kind: string, detail: ByteBuf | null, field: ByteBuf): void {
  if (points <= unchecked(out.points[detector])) return;
  unchecked((out.points[detector] = points));
  out.addHit(kind, detail, field);
}

@inline function bytesAre(key: usize, n: i32, name: ByteBuf): bool {
  return n == name.length && memory.compare(key, name.ptr, <usize>n) == 0;
}

function contains(haystack: ByteBuf, needle: ByteBuf): bool {
  const n = needle.length;
  for (let i = 0; i + n <= haystack.length; i++) {
    if (memory.compare(haystack.ptr + <usize>i, needle.ptr, <usize>n) == 0) return true;
  }
  return false;
}

