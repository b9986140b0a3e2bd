// The anomaly filter's part of the plugin configuration: the `anomaly` section (mode, threshold,
// signatures, and optionally the learned `model` of this workload) and the top-level `telemetry`.
import { ByteBuf } from "../../sdk";
import { JsonKind, JsonValue } from "../../lib/json";
import { Matcher, MAX_STATES, statesNeeded } from "../../lib/matcher";
import { Units } from "../../lib/units";
import { ConfigReader } from "../common/config_reader";
import { readTelemetryConfig, TelemetryConfig } from "../common/telemetry";

export enum AnomalyMode {
  Off = 0,
  Monitor = 1,
  Enforce = 2,
}

/** A route's learned mode; None when the model does not know the route. */
export enum RouteMode {
  None = 0,
  Learn = 1,
  Monitor = 2,
  Enforce = 3,
}

/** control-plane/anomaly/features.ts FEATURE_NAMES, in order: a model must use exactly these. */
export const FEATURE_NAMES: string[] = [
  "pathLength", "queryLength", "paramCount", "maxValueLength", "bodyLength", "headerCount",
  "specialChars", "percentEscapes", "nonAlnumPercent", "maxValueEntropy", "whitespace", "digitsPercent",
];
export const FEATURES: i32 = 12;

export class ParamBaseline {
  name: Units = new Units(16);
  mask: StaticArray<u32> = new StaticArray<u32>(4);
  maxLength: f64 = 0;
}

export class RouteBaseline {
  key: ByteBuf = new ByteBuf(32);
  mode: RouteMode = RouteMode.Monitor;
  count: f64 = 0;
  limits: StaticArray<f64> = new StaticArray<f64>(FEATURES);
  params: ParamBaseline[] = [];

  findParam(text: Units, from: i32, to: i32): ParamBaseline | null {
    const n = to - from;
    for (let i = 0; i < this.params.length; i++) {
      const p = unchecked(this.params[i]);
      if (p.name.length == n && memory.compare(p.name.ptr, text.ptr + (<usize>from << 1), <usize>n << 1) == 0) return p;
    }
    return null;
  }
}

function hashBytes(src: usize, size: i32): u32 {
  let h: u32 = 2166136261;
  for (let i = 0; i < size; i++) h = (h ^ <u32>load<u8>(src + <usize>i)) * 16777619;
  return h;
}

export class ModelConfig {
  version: string = "";
  globalLimits: StaticArray<f64> = new StaticArray<f64>(FEATURES);
  /** Training samples of this workload (model.workloads[workload]). */
  workloadSamples: f64 = 0;
  routes: RouteBaseline[] = [];
  private slots: StaticArray<i32> = new StaticArray<i32>(0);

  index(): void {
    let size = 8;
    while (size < this.routes.length * 2) size <<= 1;
    const slots = new StaticArray<i32>(size);
    for (let i = 0; i < size; i++) unchecked((slots[i] = -1));
    for (let i = 0; i < this.routes.length; i++) {
      const key = this.routes[i].key;
      let s = <i32>(hashBytes(key.ptr, key.length) & <u32>(size - 1));
      while (unchecked(slots[s]) >= 0) s = (s + 1) & (size - 1);
      unchecked((slots[s] = i));
    }
    this.slots = slots;
  }

  find(key: ByteBuf): RouteBaseline | null {
    const size = this.slots.length;
    let s = <i32>(hashBytes(key.ptr, key.length) & <u32>(size - 1));
    let i = unchecked(this.slots[s]);
    while (i >= 0) {
      const route = unchecked(this.routes[i]);
      if (route.key.equals(key)) return route;
      s = (s + 1) & (size - 1);
      i = unchecked(this.slots[s]);
    }
    return null;
  }
}

export class AnomalyConfig {
  version: string = "";
  workload: string = "";
  mode: AnomalyMode = AnomalyMode.Off;
  threshold: f64 = 0;
  signatureIds: string[] = [];
  signaturePoints: f64[] = [];
  matcher: Matcher | null = null;
  model: ModelConfig | null = null;
  telemetry: TelemetryConfig | null = null;
}

function readLimits(r: ConfigReader, parent: JsonValue, path: string, out: StaticArray<f64>): void {
  const list = r.array(parent, "limits", path, true);
  if (list === null) return;
  if (list.items.length != FEATURES) {
    r.fail(path, "expected " + FEATURES.toString() + " numbers");
    return;
  }
  for (let i = 0; i < FEATURES; i++) {
    const v = list.items[i];
    if (v.kind != JsonKind.Number) r.fail(path + "[" + i.toString() + "]", "expected a number, got " + v.kindName());
    else out[i] = v.number;
  }
}

@inline function hexDigit(c: i32): i32 {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

function readParam(r: ConfigReader, name: string, v: JsonValue, path: string): ParamBaseline {
  const p = new ParamBaseline();
  p.name.appendString(name);
  const chars = r.string(v, "chars", path + ".chars", true);
  if (r.ok && chars.length != 32) r.fail(path + ".chars", "expected 32 hex digits");
  for (let i = 0; r.ok && i < 32; i++) {
    const d = hexDigit(chars.charCodeAt(i));
    if (d < 0) r.fail(path + ".chars", "expected 32 hex digits");
    else p.mask[i >> 3] = (p.mask[i >> 3] << 4) | <u32>d;
  }
  p.maxLength = r.number(v, "maxLength", path + ".maxLength", 0, 1e15, true);
  return p;
}

const ROUTE_MODES: string[] = ["learn", "monitor", "enforce"];

function readRoute(r: ConfigReader, key: string, v: JsonValue, path: string): RouteBaseline {
  const route = new RouteBaseline();
  route.key.setString(key);
  route.mode = <RouteMode>(r.choice(v, "mode", path + ".mode", ROUTE_MODES) + 1);
  route.count = r.number(v, "count", path + ".count", 0, 1e15, true);
  readLimits(r, v, path + ".limits", route.limits);
  const params = r.object(v, "params", path + ".params", true);
  if (params !== null) {
    for (let i = 0; i < params.keys.length; i++) {
      const item = params.items[i];
      const itemPath = path + ".params." + params.keys[i];
      if (item.kind != JsonKind.Object) r.fail(itemPath, "expected an object, got " + item.kindName());
      else route.params.push(readParam(r, params.keys[i], item, itemPath));
    }
  }
  return route;
}

function readModel(r: ConfigReader, section: JsonValue, workload: string): ModelConfig | null {
  const v = r.object(section, "model", "anomaly.model", false);
  if (v === null) return null;
  const model = new ModelConfig();
  model.version = r.string(v, "version", "anomaly.model.version", false);
  const features = r.strings(v, "features", "anomaly.model.features", true)!;
  let same = features.length == FEATURES;
  for (let i = 0; same && i < FEATURES; i++) same = features[i].toString() == FEATURE_NAMES[i];
  if (r.ok && !same) r.fail("anomaly.model.features", "expected " + FEATURE_NAMES.join(","));
  const global = r.object(v, "global", "anomaly.model.global", true);
  if (global !== null) readLimits(r, global, "anomaly.model.global.limits", model.globalLimits);
  model.workloadSamples = r.number(v, "workloadSamples", "anomaly.model.workloadSamples", 0, 1e15, true);
  const routes = r.object(v, "routes", "anomaly.model.routes", true);
  if (routes !== null) {
    const prefix = workload + " ";
    for (let i = 0; i < routes.keys.length; i++) {
      const key = routes.keys[i];
      const path = "anomaly.model.routes[\"" + key + "\"]";
      const item = routes.items[i];
      if (!key.startsWith(prefix)) r.fail(path, "a route of another workload (keys start with \"" + prefix + "\")");
      else if (item.kind != JsonKind.Object) r.fail(path, "expected an object, got " + item.kindName());
      else model.routes.push(readRoute(r, key, item, path));
    }
  }
  model.index();
  return model;
}

function readSignatures(r: ConfigReader, section: JsonValue, config: AnomalyConfig): void {
  const list = r.array(section, "signatures", "anomaly.signatures", true);
  if (list === null) return;
  const patterns = new Array<string>();
  const groups = new Array<i32>();
  for (let i = 0; i < list.items.length; i++) {
    const item = list.items[i];
    const path = "anomaly.signatures[" + i.toString() + "]";
    if (item.kind != JsonKind.Object) {
      r.fail(path, "expected an object, got " + item.kindName());
      continue;
    }
    const id = r.string(item, "id", path + ".id", true);
    if (r.ok && id.length == 0) r.fail(path + ".id", "must not be empty");
    config.signatureIds.push(id);
    config.signaturePoints.push(r.number(item, "points", path + ".points", 0, 1e6, false));
    const texts = r.strings(item, "patterns", path + ".patterns", true)!;
    if (r.ok && texts.length == 0) r.fail(path + ".patterns", "must not be empty");
    for (let j = 0; j < texts.length; j++) {
      const text = texts[j].toString();
      if (text.length == 0) r.fail(path + ".patterns[" + j.toString() + "]", "must not be empty");
      patterns.push(text);
      groups.push(i);
    }
  }
  if (!r.ok) return;
  const states = statesNeeded(patterns);
  if (states > MAX_STATES) {
    r.fail("anomaly.signatures", "patterns too long in all (" + states.toString() + " units, at most " + (MAX_STATES - 1).toString() + ")");
    return;
  }
  config.matcher = sharedMatcher(patterns, groups, config.signatureIds.length);
}

// Root contexts of one VM (one per plugin configuration) nearly always carry the same catalogue:
// they share the last matcher built rather than each holding a copy of its table.
let lastKey: string = "";
let lastMatcher: Matcher | null = null;

function sharedMatcher(patterns: string[], groups: i32[], count: i32): Matcher {
  let key = count.toString();
  // Length-prefixed, so that no pattern text can look like a boundary.
  for (let i = 0; i < patterns.length; i++) key += "|" + groups[i].toString() + ":" + patterns[i].length.toString() + ":" + patterns[i];
  if (lastMatcher !== null && key == lastKey) return lastMatcher!;
  const m = new Matcher(patterns, groups, count);
  lastKey = key;
  lastMatcher = m;
  return m;
}

/** The anomaly configuration, or null with `r.error` set. */
export function readAnomalyConfig(r: ConfigReader, doc: JsonValue): AnomalyConfig | null {
  const config = new AnomalyConfig();
  config.version = r.string(doc, "version", "version", false);
  config.workload = r.string(doc, "workload", "workload", false);
  const section = r.object(doc, "anomaly", "anomaly", true);
  if (section === null) return null;
  config.mode = <AnomalyMode>r.choice(section, "mode", "anomaly.mode", ["off", "monitor", "enforce"]);
  if (config.mode != AnomalyMode.Off) {
    config.threshold = r.number(section, "threshold", "anomaly.threshold", 0, 1e9, false);
    readSignatures(r, section, config);
    if (r.ok) config.model = readModel(r, section, config.workload);
  }
  if (r.ok) config.telemetry = readTelemetryConfig(r, doc);
  return r.ok ? config : null;
}
