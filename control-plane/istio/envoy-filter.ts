// The alternative to WasmPlugins: an EnvoyFilter per workload that inserts the three filters as
// ECDS-discovered HTTP filters (`config_discovery`), their TypedExtensionConfigs (`meshguard.identity`,
// `meshguard.egress`, `meshguard.anomaly`) served by meshguard's own xDS server. A policy edit then
// reaches Envoy from meshguard directly, without istiod. The xDS cluster is the one Istio already
// builds for meshguard's Service port (auto mTLS with the mesh certificates).
import type { CompiledPolicy } from '../policy/compiled.js';
import { objectName, type WorkloadSelection } from './selectors.js';
import { PORTS, serviceHost, type IstioRenderOptions, type K8sObject } from './types.js';
import { FILTERS, type FilterSpec } from './wasm-modules.js';

export const WASM_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm';
const HCM = 'envoy.filters.network.http_connection_manager';

/** Istio's name for the outbound cluster of a Service port: `outbound|<port>||<host>`. */
export function xdsClusterName(o: IstioRenderOptions): string {
  return `outbound|${PORTS.xds}||${serviceHost(o)}`;
}

function configDiscovery(filter: FilterSpec, o: IstioRenderOptions) {
  return {
    name: filter.ecdsName,
    config_discovery: {
      config_source: {
        api_config_source: {
          api_type: 'GRPC',
          transport_api_version: 'V3',
          grpc_services: [{ envoy_grpc: { cluster_name: xdsClusterName(o) } }],
        },
        resource_api_version: 'V3',
        initial_fetch_timeout: '10s',
      },
      // No default_config and warming on: until meshguard answers, the listener does not serve (fail closed).
      apply_default_config_without_warming: false,
      type_urls: [WASM_TYPE_URL],
    },
  };
}

function patch(filter: FilterSpec, o: IstioRenderOptions) {
  const inbound = filter.mode === 'SERVER';
  // identity and egress go first in their chain; anomaly scores what passed, just before the router.
  const first = filter.name !== 'anomaly';
  return {
    applyTo: 'HTTP_FILTER',
    match: {
      context: inbound ? 'SIDECAR_INBOUND' : 'SIDECAR_OUTBOUND',
      listener: { filterChain: { filter: { name: HCM, ...(first ? {} : { subFilter: { name: 'envoy.filters.http.router' } }) } } },
    },
    patch: { operation: first ? 'INSERT_FIRST' : 'INSERT_BEFORE', value: configDiscovery(filter, o) },
  };
}

/** One EnvoyFilter per inventory workload, selecting exactly its pods. */
export function ecdsEnvoyFilters(policy: CompiledPolicy, selections: ReadonlyMap<string, WorkloadSelection>, o: IstioRenderOptions): K8sObject[] {
  const patches = FILTERS.map((f) => patch(f, o));
  return [...policy.workloads.values()].map((w) => {
    const selection = selections.get(w.key)!;
    return {
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'EnvoyFilter',
      metadata: { name: objectName('ecds', w.name), namespace: w.namespace, labels: { 'app.kubernetes.io/managed-by': 'meshguard' } },
      spec: { workloadSelector: { labels: { ...selection.matchLabels } }, configPatches: patches },
    };
  });
}
