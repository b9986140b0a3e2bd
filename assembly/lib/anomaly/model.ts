// The learned per-route models (in the spirit of Kruegel & Vigna): for each parameter its length
// distribution (Chebyshev bound), idealized character distribution (chi-square test), character
// classes, structures and, where it takes few values, their enumeration; for the route which
// parameters are always present and in which order. From the `anomaly.model` section of the
// configuration that the control plane builds (control-plane/anomaly/model.ts), read by the reader
// generated from control-plane/filter-config/filter-config.schema.json.
import { ByteBuf } from "../../sdk/bytes";
import { ConfigReader } from "../../filters/common/config_reader";
import { FilterAnomalyModel, FilterParamModel, FilterRouteModel } from "../../filters/common/config_generated";
import { ICD_BINS, ValueFeatures } from "./features";

export enum RouteMode {
  None = 0,
  Learn = 1,
  Monitor = 2,
  Enforce = 3,
}

/** Samples a route or parameter needs before its model counts. */
export const MIN_SAMPLES: f64 = 20;
const UNKNOWN_PARAM_POINTS: f64 = 3;
const MAX_UNKNOWN_PARAM_POINTS: f64 = 6;
const MISSING_POINTS: f64 = 2;
const ORDER_POINTS: f64 = 2;
const MAX_ROUTE_POINTS: f64 = 4;
const UNKNOWN_ROUTE_POINTS: f64 = 5;
const MAX_FIELD_POINTS: f64 = 12;
/** Model points that make 10 score points when a route has no calibration (the schema's FilterRouteModel.calibration default, which the reader fills in: a test holds them equal). */
export const DEFAULT_CALIBRATION: f64 = 8;

/** A parameter's model: the generated FilterParamModel as read (`length` is [mean, variance]). */
export type ParamModel = FilterParamModel;

export class RouteModel {
  key: ByteBuf = new ByteBuf(32);
  mode: RouteMode = RouteMode.Monitor;
  count: f64 = 0;
  calibration: f64 = DEFAULT_CALIBRATION;
  params: ParamModel[] = [];
  /** The parameters' names (`params` keys), index for index. */
  paramNames: ByteBuf[] = [];
  /** Parameter indexes always present. */
  required: i32[] = [];
  /** Pairs of parameter indexes (a, b): a always came before b. */
  order: i32[] = [];

  find(name: ByteBuf): i32 {
    for (let i = 0; i < this.paramNames.length; i++) if (unchecked(this.paramNames[i]).equals(name)) return i;
    return -1;
  }
}

export class AnomalyModel {
  version: string = "";
  workloadSamples: f64 = 0;
  /** Samples per workload (the control plane's model of every workload); empty in a filter. */
  workloadNames: string[] = [];
  workloadCounts: f64[] = [];
  routes: RouteModel[] = [];

  samplesOf(workload: string): f64 {
    if (this.workloadNames.length == 0) return this.workloadSamples;
    const at = this.workloadNames.indexOf(workload.length > 0 ? workload : "*");
    return at < 0 ? 0 : this.workloadCounts[at];
  }

  find(key: ByteBuf): RouteModel | null {
    for (let i = 0; i < this.routes.length; i++) if (unchecked(this.routes[i]).key.equals(key)) return unchecked(this.routes[i]);
    return null;
  }
}

// erfc by Numerical Recipes' Chebyshev fit (fractional error < 1.2e-7)
function erfc(x: f64): f64 {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

/** P(X ≥ chi2) for 5 degrees of freedom: Q(5/2, chi2/2) in closed form. */
export function chiSquareTail5(chi2: f64): f64 {
  const x = chi2 / 2;
  const s = Math.sqrt(x);
  return erfc(s) + Math.exp(-x) * (2 * s / Math.sqrt(Math.PI)) * (1 + (2 * x) / 3);
}

function surprise(p: f64, scale: f64, max: f64): f64 {
  if (p >= 1) return 0;
  const bits = -Math.log10(p < 1e-12 ? 1e-12 : p) * scale;
  return bits > max ? max : bits;
}

@inline function popcount64(x: u64): i32 {
  return <i32>popcnt<u64>(x);
}

export const M_LENGTH: i32 = 1;
export const M_CHARS: i32 = 2;
export const M_CLASSES: i32 = 4;
export const M_SHAPE: i32 = 8;
export const M_ENUM: i32 = 16;
export const MODEL_NAMES: string[] = ["length", "chars", "classes", "shape", "enum"];

/** Points of one value against its parameter's model; `which` gets the bits of the models that objected. */
export function fieldPoints(p: ParamModel, f: ValueFeatures, which: StaticArray<i32>): f64 {
  if (p.count < MIN_SAMPLES) return 0;
  let points: f64 = 0;
  let bits = 0;
  const l = <f64>f.length;
  const mean = unchecked(p.length[0]);
  if (l > mean) {
    const variance = unchecked(p.length[1]) + 1 + (mean / 10) * (mean / 10);
    const d = l - mean;
    const lp = surprise(variance / (d * d), 2, 5);
    if (lp > 0.5) { points += lp; bits |= M_LENGTH; }
  }
  if (f.length >= 6) {
    let chi2: f64 = 0;
    for (let i = 0; i < ICD_BINS; i++) {
      const o = unchecked(f.bins[i]) * l;
      let e = unchecked(p.icd[i]) * l;
      if (e < 0.5) e = 0.5;
      chi2 += ((o - e) * (o - e)) / e;
    }
    const cp = surprise(chiSquareTail5(chi2), 1, 4);
    if (cp > 1) { points += cp; bits |= M_CHARS; }
  }
  const fresh = popcount64(f.classes & ~p.classes);
  if (fresh > 0) {
    points += fresh >= 2 ? 6 : 3;
    bits |= M_CLASSES;
  }
  const shapes = p.shapes;
  if (shapes !== null && !hasShape(shapes, f.shape)) { points += 4; bits |= M_SHAPE; }
  const values = p.values;
  if (values !== null && !values.includes(f.hash)) { points += 5; bits |= M_ENUM; }
  which[0] = bits;
  const confident = points * (p.count / (p.count + 10));
  return confident > MAX_FIELD_POINTS ? MAX_FIELD_POINTS : confident;
}

function hasShape(shapes: ByteBuf[], shape: ByteBuf): bool {
  for (let i = 0; i < shapes.length; i++) if (unchecked(shapes[i]).equals(shape)) return true;
  return false;
}

/** Route-level points: unknown parameters, missing required ones, order violations. `seen[i]`: position of param i, or -1. */
export function routePoints(route: RouteModel, unknown: i32, seen: StaticArray<i32>, which: StaticArray<i32>): f64 {
  let points: f64 = 0;
  let missing = 0;
  let disorder = 0;
  for (let i = 0; i < route.required.length; i++) if (unchecked(seen[unchecked(route.required[i])]) < 0) missing++;
  for (let i = 0; i + 1 < route.order.length; i += 2) {
    const a = unchecked(seen[unchecked(route.order[i])]);
    const b = unchecked(seen[unchecked(route.order[i + 1])]);
    if (a >= 0 && b >= 0 && b < a) disorder++;
  }
  const u = <f64>unknown * UNKNOWN_PARAM_POINTS;
  points += u > MAX_UNKNOWN_PARAM_POINTS ? MAX_UNKNOWN_PARAM_POINTS : u;
  const m = <f64>missing * MISSING_POINTS;
  points += m > MAX_ROUTE_POINTS ? MAX_ROUTE_POINTS : m;
  const o = <f64>disorder * ORDER_POINTS;
  points += o > MAX_ROUTE_POINTS ? MAX_ROUTE_POINTS : o;
  which[0] = (unknown > 0 ? 1 : 0) | (missing > 0 ? 2 : 0) | (disorder > 0 ? 4 : 0);
  return points;
}

export function unknownRoutePoints(model: AnomalyModel, workload: string): f64 {
  return model.samplesOf(workload) >= MIN_SAMPLES * 5 ? UNKNOWN_ROUTE_POINTS : 0;
}

// ---- compiling what the generated reader read (FilterAnomalyModel in the schema)

function resolveNames(r: ConfigReader, route: RouteModel, names: ByteBuf[], path: string, out: i32[]): void {
  for (let i = 0; i < names.length; i++) {
    const at = route.find(names[i]);
    if (at < 0) r.fail(path + "[" + i.toString() + "]", "not a parameter of the route");
    else out.push(at);
  }
}

function routeModel(r: ConfigReader, key: string, raw: FilterRouteModel, path: string): RouteModel {
  const route = new RouteModel();
  route.key.setString(key);
  route.mode = <RouteMode>(<i32>raw.mode + 1);
  route.count = raw.count;
  route.calibration = raw.calibration;
  route.params = raw.params;
  for (let i = 0; i < raw.paramsKeys.length; i++) route.paramNames.push(ByteBuf.fromString(raw.paramsKeys[i]));
  resolveNames(r, route, raw.required, path + ".required", route.required);
  resolveNames(r, route, raw.order, path + ".order", route.order);
  if (route.order.length % 2 != 0) r.fail(path + ".order", "expected pairs of names");
  return route;
}

/** The model that the generated reader read at `path`. Routes must belong to `workload` when it is not empty. */
export function anomalyModel(r: ConfigReader, raw: FilterAnomalyModel, workload: string, path: string): AnomalyModel {
  const model = new AnomalyModel();
  model.version = raw.version;
  model.workloadSamples = raw.workloadSamples;
  model.workloadNames = raw.workloadsKeys;
  model.workloadCounts = raw.workloads;
  const prefix = workload + " ";
  for (let i = 0; i < raw.routes.length; i++) {
    const key = raw.routesKeys[i];
    const itemPath = path + ".routes[\"" + key + "\"]";
    if (workload.length > 0 && !key.startsWith(prefix)) r.fail(itemPath, "a route of another workload (keys start with \"" + prefix + "\")");
    else model.routes.push(routeModel(r, key, raw.routes[i], itemPath));
  }
  return model;
}
