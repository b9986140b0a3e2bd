// Telemetry records: what a learner needs from one decided request, compact and without
// parameter values (per field what the models keep: length, character bins, classes, structure,
// a hash of the value). ext_authz builds them from its own
// decisions; the wasm filters post observations that are turned into the same records.
import { asciiLower } from '../canon/ascii.js';
import { bodyTextOf } from '../canon/body.js';
import type { AuthzResult } from '../authorizer/authorizer.js';
import type { CheckInput, HttpInput } from '../engine/request.js';
import { CONTEXT_WORKLOAD } from '../engine/request.js';
import { sampleOf } from '../anomaly/model.js';
import type { FieldObservation } from '../anomaly/core.js';

export interface TelemetryRecord {
  /** Milliseconds since the epoch. */
  readonly t: number;
  /** Route key `<workload> <method> <template>`. */
  readonly r: string;
  readonly w: string | null;
  readonly src: string;
  /** 1 when the request was allowed. */
  readonly ok: 0 | 1;
  readonly st: number;
  /** Anomaly score, -1 when not scored. */
  readonly sc: number;
  /** The modelled fields of the request (core.ts FieldObservation). */
  readonly fo: readonly FieldObservation[];
  /** Detector and model hits (absent when there were none). */
  readonly h?: readonly string[];
}

export function recordOf(
  http: HttpInput, workload: string | null, source: string, allowed: boolean, status: number, score: number, at: number, hits: readonly string[] = [],
): TelemetryRecord {
  const s = sampleOf(http, workload);
  return { t: at, r: s.route, w: workload, src: source, ok: allowed ? 1 : 0, st: status, sc: score, fo: s.fields, ...(hits.length > 0 ? { h: hits } : {}) };
}

/** The record of an ext_authz decision, or null when it has nothing to learn from (no HTTP, egress). */
export function recordOfDecision(input: CheckInput, result: AuthzResult, at: number): TelemetryRecord | null {
  if (!input.http || result.direction !== 'inbound') return null;
  return recordOf(input.http, input.contextExtensions[CONTEXT_WORKLOAD] ?? null, result.source, result.decision === 'allow', result.status, result.anomaly?.score ?? -1, at, result.anomaly?.hits ?? []);
}

/** What a wasm filter posts to /telemetry (one JSON object per line). */
export interface FilterObservation {
  workload: string;
  source?: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  status: number;
  score?: number;
  /** Comma-separated hits. */
  hits?: string;
}

export function recordOfObservation(o: unknown, at: number): TelemetryRecord | string {
  const v = o as Partial<FilterObservation> | null;
  if (!v || typeof v !== 'object') return 'not an object';
  if (typeof v.workload !== 'string' || typeof v.method !== 'string' || typeof v.path !== 'string' || typeof v.status !== 'number') {
    return 'workload, method, path (strings) and status (number) are required';
  }
  const headers: Record<string, string> = {};
  for (const [k, val] of Object.entries(v.headers ?? {})) if (typeof val === 'string') headers[asciiLower(k)] = val;
  const http: HttpInput = { method: v.method, path: v.path, host: '', scheme: '', headers, body: typeof v.body === 'string' ? bodyTextOf(v.body) : '' };
  return recordOf(http, v.workload, typeof v.source === 'string' ? v.source : '', v.status < 400, v.status, typeof v.score === 'number' ? v.score : -1, at, typeof v.hits === 'string' && v.hits !== '' ? v.hits.split(',') : []);
}
