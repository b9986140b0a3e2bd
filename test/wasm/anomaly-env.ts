// Runs requests through anomaly.wasm in the proxy-wasm host and reads back what it computed:
// the score, hits and route from its debug line, the 12 features (as bit patterns) from its
// trace line. Also the workloads of the labelled corpus as a policy, for filterConfigFor.
import { FilterChain, WasmHost, type ChainResult, type Plugin } from '@meshguard/proxy-wasm-host';
import type { HttpInput } from '../../control-plane/engine/request.js';
import type { AnomalyModel } from '../../control-plane/anomaly/model.js';
import { filterConfigFor, type FilterConfigOptions } from '../../control-plane/filter-config/filter-config.js';
import type { CompiledPolicy } from '../../control-plane/policy/compiled.js';
import type { AnomalyMode } from '../../control-plane/policy/types.js';
import { compileYaml } from '../helpers/policy.js';
import { builtFilter } from './build.js';

export const CORPUS_WORKLOADS = ['catalog', 'users', 'orders', 'search', 'auth'];

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

/** The request as Envoy holds it: pseudo-headers first, then the headers (what the engine scores too). */
export function asEnvoySees(http: HttpInput): HttpInput {
  const headers: Record<string, string> = { ':authority': http.host, ':method': http.method };
  if (http.path !== null) headers[':path'] = http.path;
  headers[':scheme'] = http.scheme || 'http';
  for (const [k, v] of Object.entries(http.headers)) headers[k] = v;
  return { ...http, headers };
}

export interface FilterScore {
  score: number;
  signatureScore: number;
  denied: boolean;
  route: string;
  hits: string[];
  /** Feature values (only with a model). */
  features: number[] | null;
  result: ChainResult;
}

const LINE = /^meshguard anomaly: score (\S+) signatures (?:\(headers\) )?(\S+) (allow|deny) route (.*) hits (.*)$/;

function bitsToNumber(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
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

  async run(workload: string, http: HttpInput, body: string | Uint8Array | readonly (string | Uint8Array)[] = http.body): Promise<FilterScore> {
    let chain = this.chains.get(workload);
    if (!chain) this.chains.set(workload, (chain = new FilterChain([this.plugin(workload)])));
    this.host.clearLogs();
    const empty = typeof body === 'string' ? body === '' : body instanceof Uint8Array ? body.length === 0 : body.length === 0;
    const result = await chain.run({ headers: Object.entries(http.headers), ...(empty ? {} : { body }) });
    const messages = this.host.logs().map((l) => l.message);
    const line = messages.map((m) => LINE.exec(m)).find((m) => m !== null);
    if (!line) throw new Error(`no score line; logs: ${messages.join(' | ')}`);
    const features = messages.find((m) => m.startsWith('meshguard anomaly: features '));
    return {
      score: Number(line[1]), signatureScore: Number(line[2]), denied: line[3] === 'deny', route: line[4]!,
      hits: line[5] === '' ? [] : line[5]!.split(','),
      features: features ? features.slice('meshguard anomaly: features '.length).split(',').map(bitsToNumber) : null,
      result,
    };
  }
}
