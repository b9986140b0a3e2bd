// The learned anomaly model: per route, per parameter, the figures the scorer's models need
// (assembly/lib/anomaly/model.ts reads exactly this), built from mergeable statistics; and
// scoring through the one scorer (core.ts) with the model in force.
import { createHash } from 'node:crypto';
import type { HttpInput } from '../engine/request.js';
import { anomalyCore, type CoreScore, type RouteMode } from './core.js';
import { MAX_SHAPES, MAX_VALUES, RouteStats, SEP, type TrainingSample } from './stats.js';

export type { RouteMode } from './core.js';
export type { TrainingSample } from './stats.js';

export interface ParamModel {
  readonly count: number;
  /** Mean and variance of the length (Chebyshev). */
  readonly length: readonly [number, number];
  /** Idealized character distribution: mean sorted relative frequencies in 6 bins. */
  readonly icd: readonly number[];
  /** Character classes seen (16 hex digits, assembly/lib/anomaly/features.ts classBit). */
  readonly classes: string;
  /** The structures seen; absent: too many (free text). */
  readonly shapes?: readonly string[];
  /** Hashes of the values seen; absent: not an enumeration. */
  readonly values?: readonly number[];
}

export interface RouteModel {
  readonly count: number;
  readonly mode: RouteMode;
  /** Model points that make 10 score points on this route (from the training scores). */
  readonly calibration?: number;
  readonly params: Readonly<Record<string, ParamModel>>;
  /** Parameters present in every training request. */
  readonly required: readonly string[];
  /** Flattened pairs [a, b, …]: a always came before b. */
  readonly order: readonly string[];
}

export interface AnomalyModel {
  readonly kind: 'meshguard.io/anomaly-model';
  readonly version: string;
  /** Samples per workload, to tell a new route of a well-known workload. */
  readonly workloads: Readonly<Record<string, number>>;
  readonly routes: Readonly<Record<string, RouteModel>>;
}

export interface ModelScore {
  readonly score: number;
  readonly hits: readonly string[];
  readonly route: string;
  /** The part of the score from the attack-grammar detectors (known without learning). */
  readonly detectorScore: number;
  readonly modelScore: number;
  /** The route's learned mode; null when the model does not know the route (or there is no model). */
  readonly mode: RouteMode | null;
}

/** Routes and parameters with fewer samples are not modelled (assembly/lib/anomaly/model.ts MIN_SAMPLES). */
export const MIN_ROUTE_SAMPLES = 20;
const MIN_ENUM_SAMPLES = 40;
const MIN_ORDER_SAMPLES = 10;
/** The calibration floor (assembly/lib/anomaly/model.ts DEFAULT_CALIBRATION). */
const CALIBRATION_FLOOR = 8;
/** Calibration: this share of training requests scores below 10 points of model score. */
const CALIBRATION_QUANTILE = 0.995;
const CALIBRATION_MARGIN = 1.25;

/** The model the process's scorer holds (configured again only when the model changes). */
let configured: { model: AnomalyModel | null } | null = null;

function scorerWith(model: AnomalyModel | null) {
  const core = anomalyCore();
  if (configured === null || configured.model !== model) {
    configured = null;
    core.configure(model === null ? null : JSON.stringify(filterModel(model, null)));
    configured = { model };
  }
  return core;
}

export function sampleOf(http: HttpInput, workload: string | null): TrainingSample {
  const s = anomalyCore().score(http, workload, true);
  return { route: s.route, workload, fields: s.fields };
}

export interface LearnedStats {
  readonly routes: ReadonlyMap<string, RouteStats>;
  readonly workloads: ReadonlyMap<string, number>;
}

export function statsOf(samples: readonly TrainingSample[]): LearnedStats {
  const routes = new Map<string, RouteStats>();
  const workloads = new Map<string, number>();
  for (const s of samples) {
    (routes.get(s.route) ?? routes.set(s.route, new RouteStats()).get(s.route)!).add(s);
    workloads.set(s.workload ?? '*', (workloads.get(s.workload ?? '*') ?? 0) + 1);
  }
  return { routes, workloads };
}

interface ParamSums { n: number; l: number; l2: number; b: number[]; k: bigint; shapes: string[]; values: number[]; overflow: Set<string> }

function paramSums(stats: RouteStats): Map<string, ParamSums> {
  const params = new Map<string, ParamSums>();
  for (const [key, v] of stats.sums) {
    if (!key.startsWith(`p${SEP}`)) continue;
    const parts = key.split(SEP);
    const name = parts[1]!;
    let p = params.get(name);
    if (!p) params.set(name, (p = { n: 0, l: 0, l2: 0, b: [0, 0, 0, 0, 0, 0], k: 0n, shapes: [], values: [], overflow: new Set() }));
    const what = parts[2]!;
    if (parts.length === 4) {
      if (parts[3] === '*') p.overflow.add(what);
      else if (what === 's') p.shapes.push(parts[3]!);
      else p.values.push(Number(parts[3]));
    } else if (what === 'n') p.n = v;
    else if (what === 'l') p.l = v;
    else if (what === 'l2') p.l2 = v;
    else if (what[0] === 'b') p.b[Number(what.slice(1))] = v;
    else if (what[0] === 'k' && v > 0) p.k |= 1n << BigInt(what.slice(1));
  }
  return params;
}

function paramModel(p: ParamSums): ParamModel {
  // Length and character distribution describe the values that were there: an empty value adds
  // nothing to the distribution sums (its bins are all 0) and would otherwise pull the mean
  // distribution and length towards nothing, so that every real value of an often-empty field
  // (a coupon code) looks anomalous. Each non-empty value's bins sum to 1e6, so the sums tell how
  // many there were; with none empty, this is the plain mean over all.
  const total = p.b.reduce((a, b) => a + b, 0);
  const filled = Math.min(p.n, Math.round(total / 1e6));
  const someEmpty = filled > 0 && filled < p.n;
  const basis = someEmpty ? filled : p.n;
  const mean = p.l / basis;
  const variance = Math.max(0, p.l2 / basis - mean * mean);
  const icdTotal = someEmpty ? total : p.n * 1e6;
  const model: ParamModel = {
    count: p.n, length: [mean, variance], icd: p.b.map((b) => b / icdTotal), classes: p.k.toString(16).padStart(16, '0'),
  };
  const shapes = !p.overflow.has('s') && p.shapes.length <= MAX_SHAPES && p.n >= MIN_ROUTE_SAMPLES ? { shapes: [...p.shapes].sort() } : {};
  const enumerable = !p.overflow.has('v') && p.values.length <= MAX_VALUES && p.n >= MIN_ENUM_SAMPLES && p.values.length * 10 <= p.n;
  return { ...model, ...shapes, ...(enumerable ? { values: [...p.values].sort((a, b) => a - b) } : {}) };
}

function routeModel(stats: RouteStats, mode: RouteMode, calibration: number | undefined): RouteModel {
  const sums = paramSums(stats);
  const params: Record<string, ParamModel> = {};
  for (const name of [...sums.keys()].sort()) params[name] = paramModel(sums.get(name)!);
  const required = Object.keys(params).filter((n) => !n.startsWith('c:') && params[n]!.count >= stats.count && stats.count >= MIN_ROUTE_SAMPLES);
  const pairs: [string, string][] = [];
  for (const [key, n] of stats.sums) {
    if (!key.startsWith(`o${SEP}`) || n < MIN_ORDER_SAMPLES) continue;
    const [, a, b] = key.split(SEP) as [string, string, string];
    if (!stats.sums.has(`o${SEP}${b}${SEP}${a}`) && params[a] && params[b]) pairs.push([a, b]);
  }
  // sorted: statistics merged in Redis come back in hash order, and the version hashes the model
  pairs.sort(([a1, b1], [a2, b2]) => (a1 < a2 ? -1 : a1 > a2 ? 1 : b1 < b2 ? -1 : b1 > b2 ? 1 : 0));
  const order = pairs.flat();
  return { count: stats.count, mode, ...(calibration === undefined ? {} : { calibration }), params, required, order };
}

/** The model from merged statistics; `modeOf` gives each route's mode, `calibrations` (optional) each route's calibration. */
export function modelFromStats(
  learned: LearnedStats, modeOf: (route: string, count: number) => RouteMode = () => 'monitor', calibrations: ReadonlyMap<string, number> = new Map(),
): AnomalyModel {
  const routes: Record<string, RouteModel> = {};
  for (const [route, stats] of [...learned.routes].sort(([a], [b]) => a.localeCompare(b))) {
    routes[route] = routeModel(stats, modeOf(route, stats.count), calibrations.get(route));
  }
  const workloads = Object.fromEntries([...learned.workloads].sort(([a], [b]) => a.localeCompare(b)));
  const body = { workloads, routes };
  const version = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
  return { kind: 'meshguard.io/anomaly-model', version, ...body };
}

/**
 * Per-route calibration from the training requests themselves: the model points (uncalibrated)
 * of each request, and the route's calibration such that CALIBRATION_QUANTILE of them stay
 * below 10 score points, with a margin.
 */
export function calibrate(model: AnomalyModel, training: readonly { http: HttpInput; workload: string | null }[]): Map<string, number> {
  const core = scorerWith(model);
  const raw = new Map<string, number[]>();
  for (const t of training) {
    const s = core.score(t.http, t.workload);
    const route = model.routes[s.route];
    if (!route) continue;
    const points = (s.modelScore * (route.calibration ?? CALIBRATION_FLOOR)) / 10;
    (raw.get(s.route) ?? raw.set(s.route, []).get(s.route)!).push(points);
  }
  const out = new Map<string, number>();
  for (const [route, points] of raw) {
    points.sort((a, b) => a - b);
    const q = points[Math.min(points.length - 1, Math.floor(CALIBRATION_QUANTILE * points.length))]!;
    out.set(route, Math.round(Math.max(CALIBRATION_FLOOR, q * CALIBRATION_MARGIN) * 100) / 100);
  }
  return out;
}

/** Learns a model from benign requests, calibrated on the same requests. */
export function learnModel(training: readonly { http: HttpInput; workload: string | null }[], modeOf?: (route: string, count: number) => RouteMode): AnomalyModel {
  const stats = statsOf(training.map((t) => sampleOf(t.http, t.workload)));
  const first = modelFromStats(stats, modeOf);
  return modelFromStats(stats, modeOf, calibrate(first, training));
}

export function buildModel(samples: readonly TrainingSample[], modeOf?: (route: string, count: number) => RouteMode): AnomalyModel {
  return modelFromStats(statsOf(samples), modeOf);
}

/** The `model` section the scorer reads: the routes of `workload`, or of all workloads (null) with the samples of each. */
export function filterModel(model: AnomalyModel, workload: string | null) {
  const routes: Record<string, RouteModel> = {};
  for (const [key, r] of Object.entries(model.routes)) if (workload === null || key.startsWith(`${workload} `)) routes[key] = r;
  if (workload === null) return { version: model.version, workloads: model.workloads, routes };
  return { version: model.version, workloadSamples: model.workloads[workload] ?? 0, routes };
}

/** Scores a request with the one scorer: detectors always; the learned models when a model is given. */
export function scoreWithModel(http: HttpInput, workload: string | null, model: AnomalyModel | null): ModelScore {
  const s: CoreScore = scorerWith(model).score(http, workload);
  return { score: s.score, hits: s.hits, route: s.route, detectorScore: s.detectorScore, modelScore: s.modelScore, mode: s.mode };
}

export function isAnomalyModel(value: unknown): value is AnomalyModel {
  const m = value as Partial<AnomalyModel> | null;
  return !!m && m.kind === 'meshguard.io/anomaly-model' && typeof m.version === 'string' && typeof m.routes === 'object' && m.routes !== null;
}
