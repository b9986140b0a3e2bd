// The JSON plugin configuration of one workload's wasm filters (identity, egress, anomaly),
// emitted from the compiled policy. assembly/README.md documents the same format.
import { filterModel, type AnomalyModel, type RouteModel } from '../anomaly/model.js';
import { patternText } from '../policy/compile.js';
import type { CompiledPolicy, CompiledRule, CompiledSegment, CompiledWorkload } from '../policy/compiled.js';
import type { AnomalyMode, DnsTunneling, RateLimit, Verdict } from '../policy/types.js';

/** What changes at run time between policy versions and the filters must see too. */
export interface RuntimeState {
  readonly model: AnomalyModel | null;
  /** Sorted. */
  readonly quarantined: readonly string[];
}

export interface FilterRule {
  methods?: string[];
  paths?: string[];
  ports?: number[];
}

export interface FilterSegment {
  name: string;
  principals: string[];
  principalPrefixes: string[];
  namespaces: string[];
  rules: FilterRule[];
  rateLimit?: RateLimit;
}

export interface FilterEgressRule {
  name: string;
  hosts: string[];
  cidrs: string[];
  ports?: number[];
}

export interface FilterConfig {
  version: string;
  workload: string;
  identity: string;
  trustDomain: string;
  /** Quarantined identities (sorted); the identity filter denies them as sources, the egress filter denies this workload's egress when its own identity is listed. */
  quarantined: string[];
  inbound: { mtls: 'strict' | 'permissive'; selected: boolean; default: Verdict; blocklist: string[]; segments: FilterSegment[] };
  egress: { selected: boolean; default: Verdict; meshDomains: string[]; blocklist: string[]; rules: FilterEgressRule[]; dnsTunneling: DnsTunneling };
  anomaly: {
    mode: AnomalyMode;
    threshold: number;
    /** The learned baselines of this workload's routes (only with a model). */
    model?: FilterAnomalyModel;
  };
  /** Where identity and anomaly post observations (only when asked for; off by default). */
  telemetry?: FilterTelemetry;
}

/** The part of an AnomalyModel one workload's anomaly filter needs (anomaly/model.ts filterModel). */
export interface FilterAnomalyModel {
  version: string;
  /** model.workloads[workload]: decides whether an unknown route of this workload scores. */
  workloadSamples: number;
  /** Keyed `<workload> <METHOD> <template>`, as in the model. */
  routes: Record<string, RouteModel>;
}

/** An Envoy cluster that reaches the control plane's admin `/telemetry` endpoint. */
export interface FilterTelemetry {
  cluster: string;
  authority: string;
  path: string;
  /** Observations per POST. */
  maxBatch: number;
  /** A partial batch is sent after this long. */
  flushMs: number;
}

export interface FilterConfigOptions {
  readonly telemetry?: FilterTelemetry;
  /** Source identities quarantined now (`response.quarantine`): denied as callers, and their own egress. */
  readonly quarantined?: readonly string[];
}

function modelSection(model: AnomalyModel, workload: string): FilterAnomalyModel {
  const { version, routes } = filterModel(model, workload);
  return { version, workloadSamples: model.workloads[workload] ?? 0, routes };
}

function filterRule(rule: CompiledRule): FilterRule {
  const out: FilterRule = {};
  if (rule.methods) out.methods = [...rule.methods];
  if (rule.paths) out.paths = rule.paths.map(patternText);
  if (rule.ports) out.ports = [...rule.ports];
  return out;
}

function filterSegment(s: CompiledSegment): FilterSegment {
  return {
    name: s.name,
    principals: [...s.sources.identities].sort(),
    principalPrefixes: [...s.sources.prefixes],
    namespaces: [...s.sources.namespaces].sort(),
    rules: s.rules.map(filterRule),
    ...(s.rateLimit ? { rateLimit: { ...s.rateLimit } } : {}),
  };
}

/**
 * The plugin configuration of `workload`. With a model, `anomaly.model` carries the baselines of
 * this workload's routes; `options.telemetry` adds the `telemetry` section (off by default).
 */
export function filterConfigFor(
  policy: CompiledPolicy, workload: CompiledWorkload, model: AnomalyModel | null = null, options: FilterConfigOptions = {},
): FilterConfig {
  const config: FilterConfig = {
    version: policy.version,
    workload: workload.key,
    identity: workload.identity,
    trustDomain: policy.trustDomain,
    quarantined: [...(options.quarantined ?? [])].sort(),
    inbound: {
      mtls: policy.defaults.mtls,
      selected: workload.inbound.segments.length > 0,
      default: policy.defaults.inbound,
      blocklist: [...policy.blocklistCidrs],
      segments: workload.inbound.segments.map(filterSegment),
    },
    egress: {
      selected: workload.egress.length > 0,
      default: policy.defaults.egress,
      meshDomains: [...policy.meshDomains],
      blocklist: [...policy.blocklistCidrs],
      rules: workload.egress.map((r) => ({
        name: r.name, hosts: [...r.hosts], cidrs: r.cidrList.map((c) => c.text), ...(r.ports ? { ports: [...r.ports] } : {}),
      })),
      dnsTunneling: { ...policy.dnsTunneling },
    },
    anomaly: {
      mode: policy.anomaly.mode,
      threshold: policy.anomaly.threshold,
    },
  };
  if (model) config.anomaly.model = modelSection(model, workload.key);
  if (options.telemetry) config.telemetry = { ...options.telemetry };
  return config;
}

/** The identity filter's configuration: its inbound section, and the anomaly mode (with scoring off it reports allowed requests itself). */
export type IdentityFilterConfig = Pick<FilterConfig, 'version' | 'workload' | 'trustDomain' | 'quarantined' | 'inbound' | 'telemetry'> & {
  anomaly: Pick<FilterConfig['anomaly'], 'mode'>;
};

/** The egress filter's configuration: its egress section, and this workload's identity (its own quarantine). */
export type EgressFilterConfig = Pick<FilterConfig, 'version' | 'workload' | 'identity' | 'quarantined' | 'egress'>;

/** The anomaly filter's configuration: its anomaly section (with the model, when there is one). */
export type AnomalyFilterConfig = Pick<FilterConfig, 'version' | 'workload' | 'anomaly' | 'telemetry'>;

export type WasmFilterName = 'identity' | 'egress' | 'anomaly';

export interface PerFilterConfigs {
  identity: IdentityFilterConfig;
  egress: EgressFilterConfig;
  anomaly: AnomalyFilterConfig;
}

/**
 * What each filter is sent (ECDS, Istio WasmPlugins): only the sections its reader reads
 * (assembly/filters/<name>/config.ts), so that the anomaly model, for one, goes to the anomaly
 * filter alone. `filterConfigFor` is the whole document (meshguard render filter-config, replay).
 */
export function perFilterConfigs(config: FilterConfig): PerFilterConfigs {
  const { version, workload } = config;
  const telemetry = config.telemetry ? { telemetry: config.telemetry } : {};
  return {
    identity: { version, workload, trustDomain: config.trustDomain, quarantined: config.quarantined, inbound: config.inbound, anomaly: { mode: config.anomaly.mode }, ...telemetry },
    egress: { version, workload, identity: config.identity, quarantined: config.quarantined, egress: config.egress },
    anomaly: { version, workload, anomaly: config.anomaly, ...telemetry },
  };
}
