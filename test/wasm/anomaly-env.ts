// Both sides of the anomaly parity tests, each fed from one Envoy CheckRequest:
//  - the control plane: toCheckInput → Authorizer.check (ext_authz's path: HttpInput → header
//    pairs → anomaly-core.wasm);
//  - the filter: httpRequestOf (replay's mapping: the headers and body the sidecar sees) →
//    anomaly.wasm in the proxy-wasm host, read back from its debug line.
import { FilterChain, WasmHost, type BodyInput, type ChainResult, type HeaderInput, type Plugin } from '@meshguard/proxy-wasm-host';
import type { HttpInput } from '../../control-plane/engine/request.js';
import type { AnomalyModel } from '../../control-plane/anomaly/model.js';
import { filterConfigFor, type FilterConfigOptions } from '../../control-plane/filter-config/filter-config.js';
import type { CompiledPolicy } from '../../control-plane/policy/compiled.js';
import type { AnomalyMode } from '../../control-plane/policy/types.js';
import { httpRequestOf } from '../../control-plane/replay/replay.js';
import { toCheckInput } from '../../control-plane/authz/check-request.js';
import { Authorizer, type AuthzResult } from '../../control-plane/authorizer/authorizer.js';
import { LocalRateLimitStore } from '../../control-plane/authorizer/rate-limit.js';
import { compileYaml } from '../helpers/policy.js';
import { builtFilter } from './build.js';

/** The workloads of the labelled corpus (bench/anomaly/corpus.ts) and of the edge cases. */
export const CORPUS_WORKLOADS = ['catalog', 'reviews', 'orders', 'auth', 'users', 'docs', 'search'];

export function corpusPolicy(mode: AnomalyMode = 'monitor', threshold = 10): CompiledPolicy {
  const workloads = CORPUS_WORKLOADS.map((n) => `    - { name: ${n}, namespace: shop, serviceAccount: ${n}, labels: { app: ${n} } }`).join('\n');
  return compileYaml(`apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: corpus }
spec:
  trustDomain: cluster.local
  defaults: { inbound: allow, egress: deny, mtls: permissive }
  workloads:
${workloads}
  anomaly: { mode: ${mode}, threshold: ${threshold} }
`);
}

/** The CheckRequest Envoy's ext_authz filter sends for `http` to `workload` (proto3 JSON). */
export function checkRequestOf(workload: string, http: HttpInput): unknown {
  return {
    attributes: {
      source: { address: { socketAddress: { address: '10.1.0.7', portValue: 40000 } } },
      destination: { address: { socketAddress: { address: '10.1.0.20', portValue: 8080 } } },
      request: { http: { method: http.method, ...(http.path === null ? {} : { path: http.path }), host: http.host, scheme: http.scheme, headers: http.headers, body: http.body } },
      contextExtensions: { 'meshguard.io/workload': workload },
    },
  };
}

export interface SideScore {
  score: number;
  detectorScore: number;
  route: string;
  hits: string[];
  denied: boolean;
}

export interface FilterScore extends SideScore {
  result: ChainResult;
}

const LINE = /^meshguard anomaly: score (\S+) detectors (?:\(headers\) )?(\S+) (allow|deny) route (.*) hits (.*)$/;

/** ext_authz's side of a CheckRequest. */
export class AuthzSide {
  private readonly authorizer: Authorizer;
  constructor(policy: CompiledPolicy, model: AnomalyModel | null) {
    this.authorizer = new Authorizer(policy, new LocalRateLimitStore());
    this.authorizer.setModel(model);
  }

  run(request: unknown): AuthzResult {
    const r = this.authorizer.check(toCheckInput(request));
    if (r instanceof Promise) throw new Error('the in-process rate-limit store answers synchronously');
    return r;
  }
}

export class AnomalyRunner {
  private readonly chains = new Map<string, FilterChain>();
  constructor(readonly host: WasmHost, private readonly plugins: Map<string, Plugin>) {}

  static async load(policy: CompiledPolicy, model: AnomalyModel | null, options: FilterConfigOptions = {}): Promise<AnomalyRunner> {
    const { binary } = await builtFilter('anomaly');
    const host = await WasmHost.load(binary, { logLevel: 'trace', logCapacity: 64, canary: false });
    const plugins = new Map<string, Plugin>();
    for (const w of policy.workloads.values()) {
      plugins.set(w.key, host.createPlugin({ name: `anomaly-${w.key}`, configuration: JSON.stringify(filterConfigFor(policy, w, model, options)) }));
    }
    return new AnomalyRunner(host, plugins);
  }

  plugin(workload: string): Plugin {
    const p = this.plugins.get(workload);
    if (!p) throw new Error(`no plugin for ${workload}`);
    return p;
  }

  /** The filter's side of a CheckRequest: the request the sidecar sees, body in `chunks` when given. */
  async runCheckRequest(request: unknown, chunks?: BodyInput): Promise<FilterScore> {
    const input = toCheckInput(request);
    const workload = input.contextExtensions['meshguard.io/workload']!;
    const chain = httpRequestOf(request, input);
    if (chain === null) throw new Error('not an HTTP CheckRequest');
    return this.runChain(workload, chain.headers, chunks ?? chain.body);
  }

  async runChain(workload: string, headers: HeaderInput, body?: BodyInput): Promise<FilterScore> {
    let chain = this.chains.get(workload);
    if (!chain) this.chains.set(workload, (chain = new FilterChain([this.plugin(workload)])));
    this.host.clearLogs();
    const result = await chain.run({ headers, ...(body === undefined ? {} : { body }) });
    const messages = this.host.logs().map((l) => l.message);
    const line = messages.map((m) => LINE.exec(m)).find((m) => m !== null);
    if (!line) throw new Error(`no score line; logs: ${messages.join(' | ')}`);
    return {
      score: Number(line[1]), detectorScore: Number(line[2]), denied: line[3] === 'deny', route: line[4]!,
      hits: line[5] === '' ? [] : line[5]!.split(','), result,
    };
  }
}
