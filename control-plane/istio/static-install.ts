// The policy-independent install files committed under istio/install/ (a test keeps them equal to
// this output): the control plane without its policy ConfigMap, and the mesh-config overlay.
import { meshConfigOverlay } from './authz.js';
import { controlPlaneObjects } from './control-plane.js';
import { DEFAULT_RENDER_OPTIONS } from './types.js';
import { fileText } from './write.js';

export function staticInstallFiles(): [name: string, text: string][] {
  const o = { ...DEFAULT_RENDER_OPTIONS, policyText: null };
  return [
    ['meshguard.yaml', fileText({
      path: 'meshguard.yaml',
      header: [
        'meshguard control plane for Istio (generated: meshguard render istio writes the same plus the policy ConfigMap).',
        'Before applying: replace the image digest placeholder, and create the policy ConfigMap:',
        `  kubectl -n ${o.namespace} create configmap meshguard-policy --from-file=policy.yaml=YOUR-POLICY.yaml`,
      ],
      objects: controlPlaneObjects(o),
    })],
    ['mesh-config.yaml', fileText({
      path: 'mesh-config.yaml',
      header: ['The `meshguard` ext_authz provider: istioctl install -f (replaces extensionProviders: merge yours in), or copy spec.meshConfig into istiod\'s Helm values.'],
      objects: [meshConfigOverlay(o)],
    })],
  ];
}
