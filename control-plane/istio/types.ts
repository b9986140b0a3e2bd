// What `render istio` produces: Kubernetes objects grouped into files, plus notes for the operator.
import { packagePath } from '../package-root.js';

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A Kubernetes object as plain JSON (what `kubectl apply` reads). */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly [field: string]: unknown;
}

export interface RenderedFile {
  /** Relative to the output directory, e.g. `10-wasm-plugins.yaml` or `alternatives/ecds-envoyfilter.yaml`. */
  readonly path: string;
  /** Comment lines written at the top of the file (without the leading `# `). */
  readonly header: readonly string[];
  readonly objects: readonly K8sObject[];
}

export interface IstioBundle {
  readonly files: readonly RenderedFile[];
  /** Things the operator must know (missing module hashes, pods that need a label...). */
  readonly notes: readonly string[];
}

export interface IstioRenderOptions {
  /** Namespace of the meshguard control plane. */
  readonly namespace: string;
  /** The control-plane image, pinned by digest (`repo@sha256:<64 hex>`). */
  readonly image: string;
  /** Base URL the wasm modules are published under (`<base>/<name>.wasm`). */
  readonly wasmBaseUrl: string;
  /** Where `<name>.wasm.sha256` files are read from (normally build/wasm). */
  readonly wasmDir: string;
  readonly replicas: number;
  /** Adds the read-only RBAC and `--kubernetes` for the Pod watcher (serve --kubernetes). */
  readonly kubernetesInventory: boolean;
  /** The policy file's text, shipped in a ConfigMap; null leaves the ConfigMap out. */
  readonly policyText: string | null;
}

/** The control plane's ports, as DESIGN.md fixes them. */
export const PORTS = { authz: 9001, xds: 18000, admin: 9901 } as const;

export const CONTROL_PLANE_NAME = 'meshguard';
export const EXTENSION_PROVIDER = 'meshguard';
/** A label the operator adds to pods whose labels cannot tell their workload from another. */
export const WORKLOAD_LABEL = 'meshguard.io/workload';
export const PLACEHOLDER_DIGEST = 'sha256:' + '0'.repeat(64);

export const DEFAULT_RENDER_OPTIONS: IstioRenderOptions = {
  namespace: 'meshguard-system',
  image: `ghcr.io/meshguard/meshguard@${PLACEHOLDER_DIGEST}`,
  wasmBaseUrl: 'https://wasm.meshguard.example/v0.1.0',
  /** The package's build/wasm, wherever the command runs. */
  wasmDir: packagePath('build', 'wasm'),
  replicas: 2,
  kubernetesInventory: false,
  policyText: null,
};

export function serviceHost(options: IstioRenderOptions): string {
  return `${CONTROL_PLANE_NAME}.${options.namespace}.svc.cluster.local`;
}
