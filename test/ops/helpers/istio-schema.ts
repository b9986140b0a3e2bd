// Validation of generated Istio objects:
// 1. the schemas shipped by @kubernetes-models/istio (Istio 1.18 CRDs): types and enums;
// 2. a strict field table read from istio/api @ b8f8791 (extensions/v1alpha1/wasm.proto,
//    security/v1beta1/*.proto, networking/v1alpha3/{sidecar,service_entry,envoy_filter}.proto,
//    type/v1beta1/selector.proto): the 1.18 schemas accept any unknown field, so a misspelt field
//    would pass (1) silently; fields newer than 1.18 (WasmPlugin.failStrategy) are checked here;
// 3. the CRDs' CEL rules (x-kubernetes-validations) that concern what meshguard generates.
import { WasmPlugin } from '@kubernetes-models/istio/extensions.istio.io/v1alpha1/WasmPlugin';
import { EnvoyFilter } from '@kubernetes-models/istio/networking.istio.io/v1alpha3/EnvoyFilter';
import { ServiceEntry } from '@kubernetes-models/istio/networking.istio.io/v1beta1/ServiceEntry';
import { Sidecar } from '@kubernetes-models/istio/networking.istio.io/v1beta1/Sidecar';
import { AuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1beta1/AuthorizationPolicy';
import { PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1beta1/PeerAuthentication';
import { IstioOperator } from '@kubernetes-models/istio/install.istio.io/v1alpha1/IstioOperator';
import type { K8sObject } from '../../../control-plane/istio/types.js';

type Field = true | { readonly [key: string]: Field } | { readonly enum: readonly string[] } | { readonly items: Field } | { readonly map: true };

const LABELS: Field = { map: true };
const SELECTOR: Field = { matchLabels: LABELS };
const STRICT: Readonly<Record<string, Field>> = {
  WasmPlugin: {
    selector: SELECTOR, targetRef: true, targetRefs: true, url: true, sha256: true, imagePullPolicy: { enum: ['UNSPECIFIED_POLICY', 'IfNotPresent', 'Always'] },
    imagePullSecret: true, verificationKey: true, pluginConfig: true, pluginName: true,
    phase: { enum: ['UNSPECIFIED_PHASE', 'AUTHN', 'AUTHZ', 'STATS'] }, priority: true,
    failStrategy: { enum: ['FAIL_CLOSE', 'FAIL_OPEN', 'FAIL_RELOAD'] }, vmConfig: true,
    match: { items: { mode: { enum: ['UNDEFINED', 'CLIENT', 'SERVER', 'CLIENT_AND_SERVER'] }, ports: { items: { number: true } } } },
    type: { enum: ['UNSPECIFIED_PLUGIN_TYPE', 'HTTP', 'NETWORK'] },
  },
  AuthorizationPolicy: { selector: SELECTOR, targetRef: true, targetRefs: true, rules: { items: { from: true, to: true, when: true } }, action: { enum: ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'] }, provider: { name: true } },
  PeerAuthentication: { selector: SELECTOR, mtls: { mode: { enum: ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'] } }, portLevelMtls: true },
  Sidecar: {
    workloadSelector: { labels: LABELS }, ingress: true, inboundConnectionPool: true,
    egress: { items: { port: true, bind: true, captureMode: true, hosts: { items: true } } },
    outboundTrafficPolicy: { mode: { enum: ['REGISTRY_ONLY', 'ALLOW_ANY'] }, egressProxy: true },
  },
  ServiceEntry: {
    hosts: { items: true }, addresses: { items: true }, location: { enum: ['MESH_EXTERNAL', 'MESH_INTERNAL'] },
    resolution: { enum: ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS'] }, endpoints: true, workloadSelector: true, exportTo: { items: true }, subjectAltNames: true,
    ports: { items: { number: true, protocol: true, name: true, targetPort: true } },
  },
  EnvoyFilter: {
    workloadSelector: { labels: LABELS }, targetRefs: true, priority: true,
    configPatches: { items: { applyTo: { enum: ['INVALID', 'LISTENER', 'FILTER_CHAIN', 'NETWORK_FILTER', 'HTTP_FILTER', 'ROUTE_CONFIGURATION', 'VIRTUAL_HOST', 'HTTP_ROUTE', 'CLUSTER', 'EXTENSION_CONFIG', 'BOOTSTRAP', 'LISTENER_FILTER'] }, match: { context: { enum: ['ANY', 'SIDECAR_INBOUND', 'SIDECAR_OUTBOUND', 'GATEWAY'] }, proxy: true, listener: true, routeConfiguration: true, cluster: true }, patch: { operation: { enum: ['INVALID', 'MERGE', 'ADD', 'REMOVE', 'INSERT_BEFORE', 'INSERT_AFTER', 'INSERT_FIRST', 'REPLACE'] }, value: true, filterClass: true } } },
  },
  // mesh/v1alpha1/config.proto: MeshConfig.extensionProviders[].envoyExtAuthzGrpc
  IstioOperator: { meshConfig: { extensionProviders: { items: { name: true, envoyExtAuthzGrpc: { service: true, port: true, timeout: true, failOpen: true, clearRouteCache: true, statusOnError: true, includeRequestBodyInCheck: true } } } } },
};

function strictErrors(value: unknown, field: Field, path: string): string[] {
  if (field === true) return [];
  if ('map' in field) return typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string') ? [] : [`${path}: expected a string map`];
  if ('enum' in field) return (field.enum as readonly string[]).includes(value as string) ? [] : [`${path}: ${JSON.stringify(value)} is not one of ${(field.enum as readonly string[]).join('|')}`];
  if ('items' in field) return Array.isArray(value) ? value.flatMap((v, i) => strictErrors(v, field.items as Field, `${path}[${i}]`)) : [`${path}: expected a list`];
  if (typeof value !== 'object' || value === null) return [`${path}: expected an object`];
  const fields = field as Readonly<Record<string, Field>>;
  return Object.entries(value).flatMap(([k, v]) => (k in fields ? strictErrors(v, fields[k]!, `${path}.${k}`) : [`${path}.${k}: unknown field`]));
}

const HEX64 = /^[a-f0-9]{64}$/;
const CIDR = /\//;

/** The CEL rules of the current CRDs that apply to what meshguard emits. */
function celErrors(o: K8sObject): string[] {
  const spec = o.spec as Record<string, unknown>;
  const errors: string[] = [];
  if (o.kind === 'WasmPlugin') {
    if ([spec.selector, spec.targetRef, spec.targetRefs].filter((x) => x !== undefined).length > 1) errors.push('only one of targetRefs or selector can be set');
    if (spec.sha256 !== undefined && !HEX64.test(spec.sha256 as string)) errors.push('sha256 must match (^$|^[a-f0-9]{64}$)');
    if (!/^(https?|file|oci):\/\//.test(spec.url as string)) errors.push('url must have schema one of [http, https, file, oci]');
  }
  if (o.kind === 'ServiceEntry') {
    const hosts = spec.hosts as string[];
    if (hosts.length === 0 || hosts.includes('*')) errors.push('hosts: at least one, never "*"');
    const addresses = (spec.addresses as string[] | undefined) ?? [];
    if (addresses.some((a) => CIDR.test(a)) && !['NONE', 'STATIC'].includes((spec.resolution as string) ?? 'NONE')) errors.push('CIDR addresses are allowed only for NONE/STATIC resolution types');
    const numbers = ((spec.ports as { number: number }[] | undefined) ?? []).map((p) => p.number);
    if (new Set(numbers).size !== numbers.length) errors.push('port number cannot be duplicated');
    if (numbers.some((n) => !(n > 0 && n <= 65535))) errors.push('port must be between 1-65535');
  }
  if (o.kind === 'AuthorizationPolicy' && spec.action === 'CUSTOM' && !(spec.provider as { name?: string } | undefined)?.name) errors.push('CUSTOM needs provider.name');
  const labels = (spec.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels ?? (spec.workloadSelector as { labels?: Record<string, string> } | undefined)?.labels;
  for (const [k, v] of Object.entries(labels ?? {})) if (k.includes('*') || v.includes('*') || k === '') errors.push(`selector ${k}=${v}: no wildcard, no empty key`);
  return errors;
}

const MODELS: Readonly<Record<string, new (data: never) => { validate(): void }>> = {
  'extensions.istio.io/v1alpha1/WasmPlugin': WasmPlugin as never,
  'networking.istio.io/v1alpha3/EnvoyFilter': EnvoyFilter as never,
  'networking.istio.io/v1beta1/ServiceEntry': ServiceEntry as never,
  'networking.istio.io/v1beta1/Sidecar': Sidecar as never,
  'security.istio.io/v1beta1/AuthorizationPolicy': AuthorizationPolicy as never,
  'security.istio.io/v1beta1/PeerAuthentication': PeerAuthentication as never,
  'install.istio.io/v1alpha1/IstioOperator': IstioOperator as never,
};

export function isIstioKind(o: K8sObject): boolean {
  return `${o.apiVersion}/${o.kind}` in MODELS;
}

/** Every problem found with one Istio object; [] when it is valid. Throws for a kind it does not know. */
export function istioErrors(o: K8sObject): string[] {
  const Model = MODELS[`${o.apiVersion}/${o.kind}`];
  if (!Model) throw new Error(`no Istio model for ${o.apiVersion} ${o.kind}`);
  const errors: string[] = [];
  try {
    new Model(JSON.parse(JSON.stringify(o)) as never).validate();
  } catch (err) {
    errors.push(`schema: ${(err as Error).message}`);
  }
  errors.push(...strictErrors(o.spec, STRICT[o.kind]!, 'spec'), ...celErrors(o));
  return errors.map((e) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}: ${e}`);
}
