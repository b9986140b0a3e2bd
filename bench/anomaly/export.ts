// Writes the labelled corpus as plain HTTP requests for peers outside this process (the Coraza +
// CRS peer, bench/peers/coraza): one JSON object per line, {id, method, uri, headers, body},
// headers as [name, value] pairs with the Host header and, for a body, Content-Length, as a client
// sends them. The id is the LabelledRequest's id, so scores join back to labels.
import { writeFileSync } from 'node:fs';
import type { LabelledRequest } from './corpus.js';

export interface WireRequest {
  readonly id: string;
  readonly method: string;
  readonly uri: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
}

export function wireRequest(r: LabelledRequest): WireRequest {
  const http = r.http;
  const headers: [string, string][] = [['host', http.host || 'shop']];
  for (const [name, value] of Object.entries(http.headers)) if (name !== 'host' && !name.startsWith(':')) headers.push([name, value]);
  if (http.body !== '' && !('content-length' in http.headers)) headers.push(['content-length', String(Buffer.byteLength(http.body, 'utf8'))]);
  return { id: r.id, method: http.method, uri: http.path ?? '/', headers, body: http.body };
}

export function writeWireCorpus(file: string, requests: readonly LabelledRequest[]): void {
  writeFileSync(file, requests.map((r) => JSON.stringify(wireRequest(r))).join('\n') + '\n');
}
