// Test helpers: policies from YAML text, and CheckInputs built field by field.
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
