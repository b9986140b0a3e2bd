// Anomaly baselines per route template, learned from benign traffic, and scoring against them:
// signature points (anomaly/signatures.ts) + points for features far above the route's baseline
// + points for parameter names the route never had.
import { createHash } from 'node:crypto';
import { scoredText, scoreText } from './score.js';
import type { HttpInput } from '../engine/request.js';
import { normalizePath } from '../canon/path.js';
import { extractFeatures, FEATURE_NAMES } from './features.js';
import { routeTemplate } from './route-template.js';
import { charMask, hexMask, maskHex, RouteStats } from './stats.js';

export type RouteMode = 'learn' | 'monitor' | 'enforce';

export interface FeatureBaseline {
  /** Per feature: the value above which a request is unusual for this route. */
  readonly limits: readonly number[];
}

/** What a parameter's values looked like in training. */
export interface ParamBaseline {
  readonly count: number;
  /** ASCII characters seen, as 4 × 32-bit masks in hex; bit 127 stands for any non-ASCII. */
  readonly chars: string;
  readonly maxLength: number;
}

export interface RouteBaseline extends FeatureBaseline {
  readonly count: number;
  readonly params: Readonly<Record<string, ParamBaseline>>;
  readonly mode: RouteMode;
}

export interface AnomalyModel {
  readonly kind: 'meshguard.io/anomaly-model';
  readonly version: string;
  readonly features: readonly string[];
  readonly global: FeatureBaseline & { readonly count: number };
  /** Samples per workload, to tell a new route of a well-known workload. */
  readonly workloads: Readonly<Record<string, number>>;
  readonly routes: Readonly<Record<string, RouteBaseline>>;
}

export interface ModelScore {
  readonly score: number;
  readonly hits: readonly string[];
  readonly route: string;
  /** The part of the score that came from attack signatures (known without learning). */
  readonly signatureScore: number;
  /** The route's learned mode; null when the model does not know the route (or there is no model). */
  readonly mode: RouteMode | null;
}

/** How far above a feature's 99th percentile a value must be to count, per feature. */
const FLOORS = [24, 24, 3, 16, 64, 6, 3, 4, 15, 0.75, 3, 25];
const STAT_POINTS = 5;
const MAX_STAT_POINTS = 10;
const PARAM_POINTS = 3;
const MAX_PARAM_POINTS = 6;
const CHARSET_POINTS = 5;
const UNKNOWN_ROUTE_POINTS = 5;
/** Routes with fewer samples use the global baseline and ignore parameter names. */
export const MIN_ROUTE_SAMPLES = 20;

export function routeKey(method: string, path: string | null, workload: string | null): string {
  const normalized = path === null ? null : normalizePath(path);
  const template = normalized && normalized.ok ? routeTemplate(normalized.path) : '(unparsable)';
  return `${workload ?? '*'} ${method} ${template}`;
}

/** Limits from merged statistics: the 99th percentile plus max(3 × the IQR's sigma, the feature's floor). */
export function baselineOf(stats: RouteStats): FeatureBaseline {
  const limits = FEATURE_NAMES.map((_, f) => {
    const sigma = (stats.quantile(f, 0.75) - stats.quantile(f, 0.25)) / 1.349;
    return stats.quantile(f, 0.99) + Math.max(3 * sigma, FLOORS[f]!);
  });
  return { limits };
}

export interface TrainingSample {
  readonly route: string;
  readonly workload: string | null;
  readonly features: Float64Array;
  /** Parameter name, character mask, value length — never the value. */
  readonly params: readonly (readonly [string, Uint32Array, number])[];
}

export function sampleOf(http: HttpInput, workload: string | null): TrainingSample {
  const f = extractFeatures(http);
  return {
    route: routeKey(http.method, http.path, workload), workload, features: f.values,
    params: f.params.map(([name, value]) => [name, charMask(value), value.length] as const),
  };
}

export interface LearnedStats {
  readonly routes: ReadonlyMap<string, RouteStats>;
  readonly workloads: ReadonlyMap<string, number>;
}

export function statsOf(samples: readonly TrainingSample[]): LearnedStats {
  const routes = new Map<string, RouteStats>();
  const workloads = new Map<string, number>();
  for (const s of samples) {
    (routes.get(s.route) ?? routes.set(s.route, new RouteStats()).get(s.route)!).add(s.features, s.params);
    workloads.set(s.workload ?? '*', (workloads.get(s.workload ?? '*') ?? 0) + 1);
  }
  return { routes, workloads };
}

function paramBaselines(stats: RouteStats): Record<string, ParamBaseline> {
  return Object.fromEntries([...stats.params].sort(([a], [b]) => a.localeCompare(b)).map(([n, p]) => [n, { count: p.count, chars: maskHex(p.mask), maxLength: p.maxLength }]));
}

/** The model from merged statistics; `modeOf` gives each route's learn/monitor/enforce mode. */
export function modelFromStats(learned: LearnedStats, modeOf: (route: string, count: number) => RouteMode = () => 'monitor'): AnomalyModel {
  const routes: Record<string, RouteBaseline> = {};
  const all = new RouteStats();
  for (const [route, stats] of [...learned.routes].sort(([a], [b]) => a.localeCompare(b))) {
    routes[route] = { count: stats.count, params: paramBaselines(stats), mode: modeOf(route, stats.count), ...baselineOf(stats) };
    all.merge(stats);
  }
  const workloads = Object.fromEntries([...learned.workloads].sort(([a], [b]) => a.localeCompare(b)));
  const body = { features: [...FEATURE_NAMES], global: { count: all.count, ...baselineOf(all) }, workloads, routes };
  const version = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
  return { kind: 'meshguard.io/anomaly-model', version, ...body };
}

export function buildModel(samples: readonly TrainingSample[], modeOf?: (route: string, count: number) => RouteMode): AnomalyModel {
  return modelFromStats(statsOf(samples), modeOf);
}

/** Parameter masks decoded once per model, not per request. */
const decodedMasks = new WeakMap<ParamBaseline, Uint32Array>();
function maskOf(p: ParamBaseline): Uint32Array {
  let m = decodedMasks.get(p);
  if (!m) decodedMasks.set(p, (m = hexMask(p.chars)));
  return m;
}

/** Scores a request: signatures always; baselines when a model is given. */
export function scoreWithModel(http: HttpInput, workload: string | null, model: AnomalyModel | null): ModelScore {
  const signatures = scoreText(scoredText(http));
  const route = routeKey(http.method, http.path, workload);
  if (!model) return { score: signatures.score, hits: signatures.hits, route, signatureScore: signatures.score, mode: null };
  const hits = [...signatures.hits];
  const features = extractFeatures(http);
  const own = model.routes[route];
  const baseline = own && own.count >= MIN_ROUTE_SAMPLES ? own : model.global;
  let stat = 0;
  FEATURE_NAMES.forEach((name, f) => {
    if (features.values[f]! > baseline.limits[f]!) {
      stat += STAT_POINTS;
      hits.push(`stat:${name}`);
    }
  });
  let param = 0;
  let charset = 0;
  if (own && own.count >= MIN_ROUTE_SAMPLES) {
    for (const [name, value] of features.params) {
      const known = Object.hasOwn(own.params, name) ? own.params[name] : undefined;
      if (!known) {
        if (!hits.includes(`param:${name}`)) hits.push(`param:${name}`);
        param += PARAM_POINTS;
        continue;
      }
      const seen = maskOf(known);
      const unseen = charMask(value).some((w, i) => (w & ~seen[i]!) !== 0);
      if ((unseen || value.length > known.maxLength * 1.5 + 8) && charset === 0) {
        charset = CHARSET_POINTS;
        hits.push(`chars:${name}`);
      }
    }
  }
  const workloadSamples = model.workloads[workload ?? '*'] ?? 0;
  const unknownRoute = !own && workloadSamples >= MIN_ROUTE_SAMPLES * 5 ? UNKNOWN_ROUTE_POINTS : 0;
  if (unknownRoute) hits.push('route:unknown');
  const score = signatures.score + Math.min(stat, MAX_STAT_POINTS) + Math.min(param, MAX_PARAM_POINTS) + charset + unknownRoute;
  return { score, hits, route, signatureScore: signatures.score, mode: own?.mode ?? null };
}

export function isAnomalyModel(value: unknown): value is AnomalyModel {
  const m = value as Partial<AnomalyModel> | null;
  return !!m && m.kind === 'meshguard.io/anomaly-model' && typeof m.version === 'string' && !!m.global && Array.isArray(m.global.limits) && typeof m.routes === 'object';
}
