// Per-request features for the anomaly baseline: sizes, counts, character classes, entropy,
// encodings and the parameter names, computed from what the attacker controls.
import { canonicalText } from './canonical-text.js';
import { labelEntropy } from '../engine/dns-tunnel.js';
import type { HttpInput } from '../engine/request.js';

export const FEATURE_NAMES = [
  'pathLength', 'queryLength', 'paramCount', 'maxValueLength', 'bodyLength', 'headerCount',
  'specialChars', 'percentEscapes', 'nonAlnumPercent', 'maxValueEntropy', 'whitespace', 'digitsPercent',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

export interface RequestFeatures {
  readonly values: Float64Array;
  /** Parameter names and values (canonical text), from the query and a form or JSON body. */
  readonly params: readonly (readonly [string, string])[];
}

const SPECIAL = new Set([...`'"<>;()|&$\`{}\\*!=`]);

function params(query: string, body: string, contentType: string): [string, string][] {
  const out: [string, string][] = [];
  const addPairs = (text: string) => {
    for (const part of text.split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      out.push(eq === -1 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)]);
    }
  };
  addPairs(query);
  if (body !== '') {
    if (contentType.includes('application/x-www-form-urlencoded')) addPairs(body);
    else if (contentType.includes('json')) {
      try {
        collectJson(JSON.parse(body) as unknown, '', out);
      } catch {
        out.push(['(body)', body]);
      }
    } else out.push(['(body)', body.slice(0, 4096)]);
  }
  return out;
}

function collectJson(value: unknown, prefix: string, out: [string, string][]): void {
  if (out.length > 256) return;
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) collectJson(v, Array.isArray(value) ? prefix : prefix ? `${prefix}.${k}` : k, out);
  } else out.push([prefix || '(value)', String(value)]);
}

export function extractFeatures(http: HttpInput): RequestFeatures {
  const raw = http.path ?? '';
  const q = raw.indexOf('?');
  const path = q === -1 ? raw : raw.slice(0, q);
  const query = q === -1 ? '' : raw.slice(q + 1);
  const pairs = params(query, http.body, http.headers['content-type'] ?? '').map(([n, v]) => [canonicalText(n), canonicalText(v)] as const);
  let special = 0, whitespace = 0, nonAlnum = 0, digits = 0, chars = 0, maxLength = 0, maxEntropy = 0;
  for (const [, value] of pairs) {
    maxLength = Math.max(maxLength, value.length);
    if (value.length >= 8) maxEntropy = Math.max(maxEntropy, labelEntropy(value));
    for (let i = 0; i < value.length; i++) {
      const ch = value[i]!;
      const c = value.charCodeAt(i);
      chars++;
      if (SPECIAL.has(ch)) special++;
      if (c === 32) whitespace++;
      if (c >= 48 && c <= 57) digits++;
      else if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90))) nonAlnum++;
    }
  }
  const escapes = (raw.match(/%[0-9a-fA-F]{2}/g) ?? []).length;
  const values = Float64Array.from([
    path.length, query.length, pairs.length, maxLength, http.body.length, Object.keys(http.headers).length,
    special, escapes, chars === 0 ? 0 : (100 * nonAlnum) / chars, maxEntropy, whitespace, chars === 0 ? 0 : (100 * digits) / chars,
  ]);
  return { values, params: pairs };
}
