// Inbound enforcement through Istio: a CUSTOM AuthorizationPolicy per workload that sends every
// request to meshguard's ext_authz (the `meshguard` extension provider), the mesh-config snippet
// that declares that provider, and STRICT PeerAuthentication per workload when the policy says
// `mtls: strict`.
import type { CompiledPolicy } from '../policy/compiled.js';
import { objectName, type WorkloadSelection } from './selectors.js';
import { EXTENSION_PROVIDER, PORTS, serviceHost, type IstioRenderOptions, type K8sObject } from './types.js';

const MANAGED = { 'app.kubernetes.io/managed-by': 'meshguard' } as const;

/** CUSTOM with `rules: [{}]`: every request to the workload is checked (no rules would match nothing). */
export function authorizationPolicies(policy: CompiledPolicy, selections: ReadonlyMap<string, WorkloadSelection>): K8sObject[] {
  return [...policy.workloads.values()].map((w) => ({
    apiVersion: 'security.istio.io/v1beta1',
    kind: 'AuthorizationPolicy',
    metadata: { name: objectName('authz', w.name), namespace: w.namespace, labels: { ...MANAGED } },
    spec: {
      selector: { matchLabels: { ...selections.get(w.key)!.matchLabels } },
      action: 'CUSTOM',
      provider: { name: EXTENSION_PROVIDER },
      rules: [{}],
    },
  }));
}

export function peerAuthentications(policy: CompiledPolicy, selections: ReadonlyMap<string, WorkloadSelection>): K8sObject[] {
  if (policy.defaults.mtls !== 'strict') return [];
  return [...policy.workloads.values()].map((w) => ({
    apiVersion: 'security.istio.io/v1beta1',
    kind: 'PeerAuthentication',
    metadata: { name: objectName('mtls', w.name), namespace: w.namespace, labels: { ...MANAGED } },
    spec: { selector: { matchLabels: { ...selections.get(w.key)!.matchLabels } }, mtls: { mode: 'STRICT' } },
  }));
}

/** `meshConfig.extensionProviders` as an IstioOperator overlay (istioctl install -f); Helm users copy `meshConfig`. */
export function meshConfigOverlay(o: IstioRenderOptions): K8sObject {
  return {
    apiVersion: 'install.istio.io/v1alpha1',
    kind: 'IstioOperator',
    metadata: { name: 'meshguard-extension-provider', namespace: 'istio-system' },
    spec: {
      meshConfig: {
        extensionProviders: [{
          name: EXTENSION_PROVIDER,
          envoyExtAuthzGrpc: { service: serviceHost(o), port: PORTS.authz, timeout: '0.5s', failOpen: false, statusOnError: '403' },
        }],
      },
    },
  };
}
