// A deterministic synthetic policy (seeded PRNG) at any size, for benchmarks and tests:
// workloads across namespaces with app/tier/version labels, segments with realistic selectors
// (matchLabels, matchExpressions, namespace-only, exact and `prefix*` principals), rules with
// methods/paths/ports, some rate limits, egress rules (exact and `*.x` hosts, CIDRs, ports) and a
// blocklist. `policyYaml` gives the same policy as a file for `meshguard serve`.
import { stringify } from 'yaml';
import { parsePolicy } from '../control-plane/policy/load.js';
import type {
  AnomalyMode, EgressRule, FromEntry, Policy, Segment, SegmentRule, Selector, Workload,
} from '../control-plane/policy/types.js';
import { Prng } from './lib/prng.js';

export { generateCorpus, type CorpusEntry, type CorpusOptions, type CorpusPolicy, type CheckRequestJson, type RequestKind } from './generate-requests.js';

export interface PolicyShape {
  readonly workloads: number;
  readonly segments: number;
  readonly egress: number;
  /** Default: one namespace per 25 workloads. */
  readonly namespaces?: number;
  readonly seed?: number;
  /** Share of segments with a rate limit (default 0.1). */
  readonly rateLimitShare?: number;
  readonly anomaly?: AnomalyMode;
  readonly name?: string;
}

/** The size the foundation benchmarks use: 500 workloads, 2,000 segments, 200 egress rules. */
export const BENCH_SHAPE: PolicyShape = { workloads: 500, segments: 2000, egress: 200 };

export const TRUST_DOMAIN = 'cluster.local';
export const MESH_DOMAIN = 'svc.cluster.local';
export const TIERS = ['web', 'api', 'data', 'cache', 'worker'] as const;
export const BLOCKLIST = ['203.0.113.0/24', '198.18.0.0/15', '2001:db8:bad::/48'] as const;
/** An identity outside the inventory that some segments admit by exact principal. */
export const PROBER = `spiffe://${TRUST_DOMAIN}/ns/ops/sa/prober`;

const PORTS: Record<(typeof TIERS)[number], number[]> = { web: [8080], api: [8080, 9090], data: [5432], cache: [6379], worker: [8080] };
const RESOURCES = ['orders', 'users', 'carts', 'items', 'invoices', 'reports', 'sessions', 'search'];
const METHOD_SETS = [['GET'], ['GET', 'HEAD'], ['POST'], ['GET', 'POST'], ['GET', 'POST', 'PUT', 'DELETE'], ['PUT', 'PATCH']];

export function identityOf(w: Workload, trustDomain = TRUST_DOMAIN): string {
  return `spiffe://${trustDomain}/ns/${w.namespace}/sa/${w.serviceAccount}`;
}

export function namespaceName(i: number): string {
  return `ns-${String(i).padStart(2, '0')}`;
}

function buildWorkloads(rng: Prng, count: number, namespaces: number): Workload[] {
  const perNamespace = Math.ceil(count / namespaces);
  const out: Workload[] = [];
  for (let i = 0; i < count; i++) {
    const ns = Math.floor(i / perNamespace);
    // Pairs of workloads share an app (two versions); most apps have their own service account.
    const app = `app-${Math.floor(i / 2)}`;
    const version = i % 2 === 0 ? 'v1' : rng.pick(['v2', 'v3']);
    const tier = rng.pick(TIERS);
    const ports = PORTS[tier];
    out.push({
      name: `${app}-${version}`,
      namespace: namespaceName(ns),
      serviceAccount: rng.chance(0.1) ? 'default' : app,
      labels: { app, tier, version },
      ports,
      endpoints: [`10.${ns}.${(i >> 8) & 255}.${i & 255}:${ports[0]}`],
    });
  }
  return out;
}

function toSelector(rng: Prng, d: Workload): Selector {
  const { app, tier } = d.labels as { app: string; tier: string };
  switch (rng.weighted({ app: 55, tier: 15, expr: 15, nsExpr: 10, ns: 5 })) {
    case 'app': return { namespace: d.namespace, matchLabels: { app } };
    case 'tier': return { namespace: d.namespace, matchLabels: { tier } };
    case 'expr': return { matchLabels: { app }, matchExpressions: [{ key: 'version', operator: 'In', values: ['v1', 'v2'] }] };
    case 'nsExpr': return { namespace: d.namespace, matchExpressions: [{ key: 'tier', operator: 'In', values: [tier, rng.pick(TIERS)] }, { key: 'canary', operator: 'DoesNotExist' }] };
    default: return { namespace: d.namespace };
  }
}

function fromEntry(rng: Prng, workloads: readonly Workload[]): FromEntry {
  const w = rng.pick(workloads);
  const { app, tier } = w.labels as { app: string; tier: string };
  switch (rng.weighted({ app: 45, tierExpr: 15, ns: 10, exact: 15, prefix: 10, outside: 5 })) {
    case 'app': return { namespace: w.namespace, matchLabels: { app } };
    case 'tierExpr': return { namespace: w.namespace, matchLabels: { tier }, matchExpressions: [{ key: 'version', operator: 'NotIn', values: ['v3'] }] };
    case 'ns': return { namespace: w.namespace };
    case 'exact': return { principals: [identityOf(w), identityOf(rng.pick(workloads))] };
    case 'prefix': return { principals: [`spiffe://${TRUST_DOMAIN}/ns/${w.namespace}/sa/batch-*`] };
    default: return { principals: [PROBER] };
  }
}

function pathPattern(rng: Prng): string {
  const resource = rng.pick(RESOURCES);
  const v = 1 + rng.int(3);
  switch (rng.weighted({ exact: 35, prefix: 45, suffix: 20 })) {
    case 'exact': return `/api/v${v}/${resource}`;
    case 'prefix': return `/api/v${v}/${resource}/*`;
    default: return rng.pick(['*/healthz', '*.json', '*/metrics']);
  }
}

function rules(rng: Prng, d: Workload): SegmentRule[] {
  if (rng.chance(0.2)) return [];
  const out: SegmentRule[] = [];
  const n = 1 + rng.int(3);
  for (let i = 0; i < n; i++) {
    const methods = rng.chance(0.8) ? rng.pick(METHOD_SETS) : undefined;
    const paths = rng.chance(0.85) ? [...new Set(Array.from({ length: 1 + rng.int(3) }, () => pathPattern(rng)))] : undefined;
    const ports = rng.chance(0.5) ? [d.ports[0]!] : undefined;
    out.push({ ...(methods ? { methods } : {}), ...(paths ? { paths } : {}), ...(ports ? { ports } : {}) });
  }
  return out;
}

function buildSegments(rng: Prng, count: number, workloads: readonly Workload[], rateLimitShare: number): Segment[] {
  const out: Segment[] = [];
  for (let s = 0; s < count; s++) {
    const d = rng.pick(workloads);
    const from = Array.from({ length: 1 + rng.int(3) }, () => fromEntry(rng, workloads));
    const rps = rng.pick([100, 1000, 5000]);
    out.push({
      name: `seg-${s}-${d.labels.app}`,
      to: toSelector(rng, d),
      from,
      rules: rules(rng, d),
      ...(rng.chance(rateLimitShare) ? { rateLimit: { requestsPerSecond: rps, burst: rps * 2 } } : {}),
    });
  }
  return out;
}

/** The vendor domain of egress rule `e`: rules share vendors, as several services call one API. */
export function vendorOf(e: number): string {
  return `vendor-${e % 120}`;
}

function buildEgress(rng: Prng, count: number, workloads: readonly Workload[]): EgressRule[] {
  const out: EgressRule[] = [];
  for (let e = 0; e < count; e++) {
    const w = rng.pick(workloads);
    const { app, tier } = w.labels as { app: string; tier: string };
    const vendor = vendorOf(e);
    const from: Selector = rng.chance(0.6) ? { matchLabels: { app } } : { namespace: w.namespace, matchLabels: { tier } };
    const hosts = [`api.${vendor}.com`, ...(rng.chance(0.5) ? [`*.${vendor}.io`] : [])];
    const cidrs = rng.chance(0.3) ? [`100.64.${e % 256}.${(e * 16) % 256}/28`] : [];
    const portChoice = rng.weighted({ https: 60, two: 20, any: 20 });
    const ports = portChoice === 'https' ? [443] : portChoice === 'two' ? [443, 8443] : undefined;
    out.push({ name: `egress-${e}-${app}`, from, hosts, cidrs, ...(ports ? { ports } : {}) });
  }
  return out;
}

/** The policy file as an operator writes it: only what the generator sets; validation fills in defaults. */
export interface PolicyDocument {
  readonly apiVersion: 'meshguard.io/v1alpha1';
  readonly kind: 'MeshPolicy';
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly trustDomain: string;
    readonly defaults: { readonly inbound: 'allow' | 'deny'; readonly egress: 'allow' | 'deny'; readonly mtls: 'strict' | 'permissive' };
    readonly meshDomains: readonly string[];
    readonly workloads: readonly Workload[];
    readonly segments: readonly Segment[];
    readonly egress: readonly EgressRule[];
    readonly blocklist: { readonly cidrs: readonly string[] };
    readonly anomaly: { readonly mode: AnomalyMode; readonly threshold: number };
  };
}

/** The document for a shape, deterministic for a given shape (and seed). */
export function generatePolicyDocument(shape: PolicyShape): PolicyDocument {
  const rng = new Prng(shape.seed ?? 0x5eed);
  const namespaces = shape.namespaces ?? Math.max(1, Math.ceil(shape.workloads / 25));
  const workloads = buildWorkloads(rng, shape.workloads, namespaces);
  const segments = buildSegments(rng, shape.segments, workloads, shape.rateLimitShare ?? 0.1);
  const egress = buildEgress(rng, shape.egress, workloads);
  return {
    apiVersion: 'meshguard.io/v1alpha1',
    kind: 'MeshPolicy',
    metadata: { name: shape.name ?? `bench-${shape.workloads}w-${shape.segments}s-${shape.egress}e` },
    spec: {
      trustDomain: TRUST_DOMAIN,
      defaults: { inbound: 'deny', egress: 'deny', mtls: 'strict' },
      meshDomains: [MESH_DOMAIN],
      workloads,
      segments,
      egress,
      blocklist: { cidrs: [...BLOCKLIST] },
      anomaly: { mode: shape.anomaly ?? 'off', threshold: 10 },
    },
  };
}

/** The document as a YAML file (`yaml` stringify), loadable by `meshguard serve --policy`. */
export function policyYaml(doc: PolicyDocument): string {
  const header = `# Generated by bench/generate-policy.ts: ${doc.spec.workloads.length} workloads, ${doc.spec.segments.length} segments, ${doc.spec.egress.length} egress rules.\n`;
  return header + stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** The validated `Policy` (defaults filled in by the policy loader, as `serve` would see it). */
export function generatePolicy(shape: PolicyShape): Policy {
  return loadGenerated(policyYaml(generatePolicyDocument(shape)));
}

/** Parses and validates generated YAML; throws on any error (the generator's fault). */
export function loadGenerated(yaml: string, file = 'generated-policy.yaml'): Policy {
  const loaded = parsePolicy(yaml, file);
  if (!loaded.ok) throw new Error(`generated policy is invalid: ${loaded.errors.slice(0, 3).map((e) => `${e.line}:${e.col} ${e.message}`).join('; ')}`);
  return loaded.policy;
}
