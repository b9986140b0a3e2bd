// The meshguard control plane as Kubernetes objects: Namespace, ServiceAccount, policy ConfigMap,
// Deployment (hardened), Service, PodDisruptionBudget, a STRICT PeerAuthentication for its
// namespace and, with the Kubernetes inventory, read-only RBAC on Pods.
import { CONTROL_PLANE_NAME, PORTS, type IstioRenderOptions, type K8sObject } from './types.js';

const APP_LABELS = { 'app.kubernetes.io/name': CONTROL_PLANE_NAME, 'app.kubernetes.io/component': 'control-plane' } as const;
const POLICY_DIR = '/etc/meshguard';

function meta(name: string, o: IstioRenderOptions, extra: Record<string, unknown> = {}) {
  return { name, namespace: o.namespace, labels: { ...APP_LABELS }, ...extra };
}

function serveArgs(o: IstioRenderOptions): string[] {
  const args = [
    'serve', '--policy', `${POLICY_DIR}/policy.yaml`, '--bind', '0.0.0.0',
    '--authz-port', String(PORTS.authz), '--xds-port', String(PORTS.xds), '--admin-port', String(PORTS.admin),
  ];
  return o.kubernetesInventory ? [...args, '--kubernetes'] : args;
}

const CONTAINER_SECURITY = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  privileged: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
} as const;

function container(o: IstioRenderOptions) {
  return {
    name: CONTROL_PLANE_NAME,
    image: o.image,
    imagePullPolicy: 'IfNotPresent',
    args: serveArgs(o),
    env: [
      { name: 'MESHGUARD_LOG_LEVEL', value: 'info' },
      { name: 'REDIS_URL', valueFrom: { configMapKeyRef: { name: `${CONTROL_PLANE_NAME}-redis`, key: 'url', optional: true } } },
    ],
    ports: [
      { name: 'grpc-authz', containerPort: PORTS.authz, protocol: 'TCP' },
      { name: 'grpc-xds', containerPort: PORTS.xds, protocol: 'TCP' },
      { name: 'http-admin', containerPort: PORTS.admin, protocol: 'TCP' },
    ],
    readinessProbe: { httpGet: { path: '/readyz', port: 'http-admin' }, periodSeconds: 5, failureThreshold: 3 },
    livenessProbe: { httpGet: { path: '/healthz', port: 'http-admin' }, periodSeconds: 10, failureThreshold: 6 },
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '2', memory: '1Gi' } },
    securityContext: { ...CONTAINER_SECURITY },
    volumeMounts: [
      { name: 'policy', mountPath: POLICY_DIR, readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
}

function deployment(o: IstioRenderOptions): K8sObject {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(CONTROL_PLANE_NAME, o),
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: { ...APP_LABELS } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: { ...APP_LABELS, 'sidecar.istio.io/inject': 'true' }, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(PORTS.admin) } },
        spec: {
          serviceAccountName: CONTROL_PLANE_NAME,
          automountServiceAccountToken: o.kubernetesInventory,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [container(o)],
          volumes: [
            { name: 'policy', configMap: { name: `${CONTROL_PLANE_NAME}-policy` } },
            { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
          ],
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [{
                weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { ...APP_LABELS } } },
              }],
            },
          },
          terminationGracePeriodSeconds: 30,
        },
      },
    },
  };
}

function service(o: IstioRenderOptions): K8sObject {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: meta(CONTROL_PLANE_NAME, o),
    spec: {
      selector: { ...APP_LABELS },
      ports: [
        { name: 'grpc-authz', port: PORTS.authz, targetPort: 'grpc-authz', appProtocol: 'grpc' },
        { name: 'grpc-xds', port: PORTS.xds, targetPort: 'grpc-xds', appProtocol: 'grpc' },
        { name: 'http-admin', port: PORTS.admin, targetPort: 'http-admin', appProtocol: 'http' },
      ],
    },
  };
}

function rbac(o: IstioRenderOptions): K8sObject[] {
  const name = `${CONTROL_PLANE_NAME}-pod-reader`;
  return [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels: { ...APP_LABELS } }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }] },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name, labels: { ...APP_LABELS } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name: CONTROL_PLANE_NAME, namespace: o.namespace }],
    },
  ];
}

/** Everything needed to run meshguard itself in the cluster, in apply order. */
export function controlPlaneObjects(o: IstioRenderOptions): K8sObject[] {
  const objects: K8sObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.namespace, labels: { 'istio-injection': 'enabled', ...APP_LABELS } } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(CONTROL_PLANE_NAME, o), automountServiceAccountToken: false },
  ];
  if (o.policyText !== null) {
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`${CONTROL_PLANE_NAME}-policy`, o), data: { 'policy.yaml': o.policyText } });
  }
  if (o.kubernetesInventory) objects.push(...rbac(o));
  objects.push(deployment(o), service(o), {
    apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta(CONTROL_PLANE_NAME, o),
    spec: { maxUnavailable: 1, selector: { matchLabels: { ...APP_LABELS } } },
  }, {
    apiVersion: 'security.istio.io/v1beta1', kind: 'PeerAuthentication', metadata: meta('default', o),
    spec: { mtls: { mode: 'STRICT' } },
  });
  return objects;
}
