// The built-in anomaly score of a request: the points of every distinct signature it hits.
import type { HttpInput } from '../engine/request.js';
import { canonicalText } from './canonical-text.js';
import { SIGNATURES, type Signature } from './signatures.js';

export interface AnomalyScore {
  readonly score: number;
  /** Ids of the signatures hit, in catalogue order. */
  readonly hits: readonly string[];
}

const SEPARATOR = '\u0001';

/** Everything an attacker controls in one string: path and query, header values, the body text (canon/body.ts). */
export function scoredText(http: HttpInput): string {
  const parts = [http.path ?? ''];
  for (const name in http.headers) {
    if (name !== ':path') parts.push(http.headers[name]!);
  }
  if (http.body) parts.push(http.body);
  return canonicalText(parts.join(SEPARATOR));
}

export function scoreText(text: string, signatures: readonly Signature[] = SIGNATURES): AnomalyScore {
  let score = 0;
  const hits: string[] = [];
  for (const s of signatures) {
    for (const pattern of s.patterns) {
      if (text.indexOf(pattern) !== -1) {
        score += s.points;
        hits.push(s.id);
        break;
      }
    }
  }
  return { score, hits };
}
