// Test helpers: policies from YAML text, and CheckInputs built field by field.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compilePolicy } from '../../control-plane/policy/compile.js';
import type { CompiledPolicy } from '../../control-plane/policy/compiled.js';
import { parsePolicy } from '../../control-plane/policy/load.js';
import type { CheckInput, HttpInput } from '../../control-plane/engine/request.js';

export function compileYaml(text: string, file = 'test.yaml'): CompiledPolicy {
  const loaded = parsePolicy(text, file);
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => `${e.line}:${e.col}: ${e.message}`).join('\n'));
  return compilePolicy(loaded.policy, loaded.origin);
}

export interface RequestSpec {
  from?: string;
  sourceAddress?: string;
  to?: string;
  toPrincipal?: string;
  port?: number;
  method?: string;
  path?: string | null;
  host?: string;
  scheme?: string;
  headers?: Record<string, string>;
  body?: string;
  outbound?: boolean;
  direction?: string;
  destinationAddress?: string;
  noHttp?: boolean;
  sni?: string;
}

export function input(r: RequestSpec): CheckInput {
  const contextExtensions: Record<string, string> = {};
  if (r.to !== undefined) contextExtensions['meshguard.io/workload'] = r.to;
  if (r.outbound) contextExtensions['meshguard.io/direction'] = 'outbound';
  if (r.direction !== undefined) contextExtensions['meshguard.io/direction'] = r.direction;
  const http: HttpInput | null = r.noHttp
    ? null
    : { method: r.method ?? 'GET', path: r.path === undefined ? '/' : r.path, host: r.host ?? '', scheme: r.scheme ?? '', headers: r.headers ?? {}, body: r.body ?? '' };
  return {
    source: { principal: r.from ?? '', address: r.sourceAddress ?? '10.0.0.1', port: 40000 },
    destination: { principal: r.toPrincipal ?? '', address: r.destinationAddress ?? null, port: r.port ?? null },
    http,
    sni: r.sni ?? '',
    contextExtensions,
  };
}

export const id = (ns: string, sa: string, td = 'cluster.local'): string => `spiffe://${td}/ns/${ns}/sa/${sa}`;

/** A temp file holding `text`; returns its path. */
export function writePolicyFile(text: string, prefix = 'mg-policy-'): string {
  const file = join(mkdtempSync(join(tmpdir(), prefix)), 'policy.yaml');
  writeFileSync(file, text);
  return file;
}

/** Two workloads of namespace `ns` (web may GET /ok on api) and a quarantine rule. */
export function quarantinePolicy(ns: string, name: string): string {
  return `apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: ${name} }
spec:
  workloads:
    - { name: api, namespace: ${ns}, serviceAccount: api, labels: { app: api } }
    - { name: web, namespace: ${ns}, serviceAccount: web, labels: { app: web } }
  segments:
    - { name: web-to-api, to: { matchLabels: { app: api } }, from: [{ matchLabels: { app: web } }], rules: [{ paths: ["/ok"] }] }
  response:
    quarantine: { denyRatio: 0.5, minRequests: 10, window: 30s, for: 2m }
`;
}

/**
 * A YAML alias bomb (the outside review's, issue 12 item 8): `levels` levels of anchors, each a list
 * of `width` aliases to the level before, the last used as a label value. 9 × 9 is 620-odd bytes.
 */
export function aliasBomb(levels = 9, width = 9): string {
  const lines = ['apiVersion: meshguard.io/v1alpha1', 'kind: MeshPolicy', 'metadata: { name: bomb }', 'x-levels:', '  a0: &a0 [lol]'];
  for (let i = 1; i < levels; i++) lines.push(`  a${i}: &a${i} [${Array(width).fill(`*a${i - 1}`).join(', ')}]`);
  lines.push('spec:', `  workloads: [{ name: api, namespace: shop, serviceAccount: api, labels: { app: *a${levels - 1} } }]`);
  return lines.join('\n') + '\n';
}
