// The JSON plugin configuration of one workload's wasm filters (identity, egress, anomaly),
// emitted from the compiled policy. Its types are generated from filter-config.schema.json (the
// one source of the format: the filters' AssemblyScript readers and assembly/README.md's tables
// come from it too; npm run gen:filter-config).
import { filterModel, type AnomalyModel } from '../anomaly/model.js';
import { patternText } from '../policy/compile.js';
import type { CompiledPolicy, CompiledRule, CompiledSegment, CompiledWorkload } from '../policy/compiled.js';
import type {
  AnomalyFilterConfig, EgressFilterConfig, FilterAnomalyModel, FilterConfig, FilterRule, FilterSegment, FilterTelemetry, IdentityFilterConfig,
} from './filter-config.generated.js';

export type * from './filter-config.generated.js';

/** What changes at run time between policy versions and the filters must see too. */
export interface RuntimeState {
  readonly model: AnomalyModel | null;
  /** Sorted. */
  readonly quarantined: readonly string[];
}

export interface FilterConfigOptions {
  readonly telemetry?: FilterTelemetry;
  /** Source identities quarantined now (`response.quarantine`): denied as callers, and their own egress. */
  readonly quarantined?: readonly string[];
}

function modelSection(model: AnomalyModel, workload: string): FilterAnomalyModel {
  const { version, routes } = filterModel(model, workload);
  // The model's routes are deeply readonly; the generated types are not (the section is sent as is).
  return { version, workloadSamples: model.workloads[workload] ?? 0, routes: routes as FilterAnomalyModel['routes'] };
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

export type WasmFilterName = 'identity' | 'egress' | 'anomaly';

export interface PerFilterConfigs {
  identity: IdentityFilterConfig;
  egress: EgressFilterConfig;
  anomaly: AnomalyFilterConfig;
}

/**
 * What each filter is sent (ECDS, Istio WasmPlugins): only the sections its reader reads
 * (IdentityFilterConfig, EgressFilterConfig, AnomalyFilterConfig in the schema), so that the anomaly model, for one, goes to the anomaly
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
