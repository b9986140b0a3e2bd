// Anomaly baselines per route template, learned from benign traffic, and scoring against them:
// signature points (anomaly/signatures.ts) + points for features far above the route's baseline
// + points for parameter names the route never had.
import { createHash } from 'node:crypto';
import { scoredText, scoreText } from '../anomaly/score.js';
import type { HttpInput } from '../engine/request.js';
import { normalizePath } from '../engine/path.js';
import { extractFeatures, FEATURE_NAMES } from './features.js';
import { routeTemplate } from './route-template.js';

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

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[at]!;
}

/** Limits from samples: the 99th percentile plus max(3 × scaled MAD, the feature's floor). */
export function baselineOf(samples: readonly Float64Array[]): FeatureBaseline {
  const limits = FEATURE_NAMES.map((_, f) => {
    const column = Float64Array.from(samples, (s) => s[f]!).sort();
    const median = quantile(column, 0.5);
    const deviations = Float64Array.from(column, (v) => Math.abs(v - median)).sort();
    const mad = 1.4826 * quantile(deviations, 0.5);
    return quantile(column, 0.99) + Math.max(3 * mad, FLOORS[f]!);
  });
  return { limits };
}

export interface TrainingSample {
  readonly route: string;
  readonly workload: string | null;
  readonly features: Float64Array;
  readonly params: readonly (readonly [string, string])[];
}

export function sampleOf(http: HttpInput, workload: string | null): TrainingSample {
  const f = extractFeatures(http);
  return { route: routeKey(http.method, http.path, workload), workload, features: f.values, params: f.params };
}

function charMask(value: string, into: Uint32Array = new Uint32Array(4)): Uint32Array {
  for (let i = 0; i < value.length; i++) {
    const c = Math.min(value.charCodeAt(i), 127);
    into[c >>> 5]! |= 1 << (c & 31);
  }
  return into;
}

const maskHex = (m: Uint32Array): string => Array.from(m, (w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
const hexMask = (h: string): Uint32Array => Uint32Array.from([0, 1, 2, 3], (i) => parseInt(h.slice(i * 8, i * 8 + 8), 16));

function paramBaselines(list: readonly TrainingSample[]): Record<string, ParamBaseline> {
  const acc = new Map<string, { count: number; mask: Uint32Array; maxLength: number }>();
  for (const s of list) {
    for (const [name, value] of s.params) {
      const a = acc.get(name) ?? acc.set(name, { count: 0, mask: new Uint32Array(4), maxLength: 0 }).get(name)!;
      a.count++;
      charMask(value, a.mask);
      a.maxLength = Math.max(a.maxLength, value.length);
    }
  }
  return Object.fromEntries([...acc].sort(([a], [b]) => a.localeCompare(b)).map(([n, a]) => [n, { count: a.count, chars: maskHex(a.mask), maxLength: a.maxLength }]));
}

export function buildModel(samples: readonly TrainingSample[], modeOf: (count: number) => RouteMode = () => 'monitor'): AnomalyModel {
  const byRoute = new Map<string, TrainingSample[]>();
  for (const s of samples) (byRoute.get(s.route) ?? byRoute.set(s.route, []).get(s.route)!).push(s);
  const routes: Record<string, RouteBaseline> = {};
  for (const [route, list] of [...byRoute].sort(([a], [b]) => a.localeCompare(b))) {
    routes[route] = { count: list.length, params: paramBaselines(list), mode: modeOf(list.length), ...baselineOf(list.map((s) => s.features)) };
  }
  const workloads: Record<string, number> = {};
  for (const s of samples) workloads[s.workload ?? '*'] = (workloads[s.workload ?? '*'] ?? 0) + 1;
  const global = { count: samples.length, ...baselineOf(samples.map((s) => s.features)) };
  const body = { features: [...FEATURE_NAMES], global, workloads, routes };
  const version = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
  return { kind: 'meshguard.io/anomaly-model', version, ...body };
}

/** Scores a request: signatures always; baselines when a model is given. */
export function scoreWithModel(http: HttpInput, workload: string | null, model: AnomalyModel | null): ModelScore {
  const signatures = scoreText(scoredText(http));
  const route = routeKey(http.method, http.path, workload);
  if (!model) return { score: signatures.score, hits: signatures.hits, route };
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
      const known = own.params[name];
      if (!known) {
        if (!hits.includes(`param:${name}`)) hits.push(`param:${name}`);
        param += PARAM_POINTS;
        continue;
      }
      const unseen = charMask(value).some((w, i) => (w & ~hexMask(known.chars)[i]!) !== 0);
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
  return { score, hits, route };
}

export function isAnomalyModel(value: unknown): value is AnomalyModel {
  const m = value as Partial<AnomalyModel> | null;
  return !!m && m.kind === 'meshguard.io/anomaly-model' && typeof m.version === 'string' && !!m.global && Array.isArray(m.global.limits) && typeof m.routes === 'object';
}
