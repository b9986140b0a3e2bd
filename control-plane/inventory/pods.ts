// From running Pods to the policy's `workloads`: which pods form one workload, and what it holds.
//
// The grouping rule (docs/deploying.md "The inventory from Kubernetes"):
// - a pod belongs to the workload of its controller: a ReplicaSet's pods to its Deployment (the
//   ReplicaSet name without its `-<pod-template-hash>` suffix), a Job's pods created by a CronJob to
//   the CronJob (`<name>-<8+ digits>` without the digits), StatefulSet / DaemonSet / Job / any other
//   controller's pods to that controller's name;
// - a pod without controller to its `app.kubernetes.io/name` label, else its `app` label, else its
//   own name;
// - namespace = the pod's; one workload per (namespace, name, service account): when pods of one
//   name run under several service accounts (a rollout that changes it), each gets `<name>--<sa>`;
// - labels = the labels all its pods share, without per-pod and per-revision labels
//   (pod-template-hash, controller-revision-hash, statefulset pod name, job ids...);
// - ports = the TCP container ports; endpoints = <pod IP>:<port> of its running pods.
// Pods that finished (Succeeded, Failed) or are being deleted do not count.
import type { Workload } from '../policy/types.js';

export interface PodLike {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly ownerReferences?: readonly { readonly kind?: string; readonly name?: string; readonly controller?: boolean }[];
    readonly deletionTimestamp?: unknown;
  };
  readonly spec?: {
    readonly serviceAccountName?: string;
    readonly containers?: readonly { readonly ports?: readonly { readonly containerPort?: number; readonly protocol?: string }[] }[];
  };
  readonly status?: { readonly phase?: string; readonly podIP?: string; readonly podIPs?: readonly { readonly ip?: string }[] };
}

export const VOLATILE_LABELS: ReadonlySet<string> = new Set([
  'pod-template-hash', 'controller-revision-hash', 'pod-template-generation', 'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index', 'controller-uid', 'job-name', 'batch.kubernetes.io/controller-uid',
  'batch.kubernetes.io/job-name', 'batch.kubernetes.io/job-completion-index',
]);

const CRONJOB_JOB = /^(.+)-\d{8,}$/;

function dnsLabel(text: string): string {
  const s = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 63).replace(/^-+|-+$/g, '');
  return s || 'pod';
}

/** The workload name of a pod, by the rule above. */
export function workloadNameOf(pod: PodLike): string {
  const meta = pod.metadata ?? {};
  const owners = meta.ownerReferences ?? [];
  const owner = owners.find((o) => o.controller) ?? owners[0];
  if (owner?.name) {
    const hash = meta.labels?.['pod-template-hash'];
    if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`)) return dnsLabel(owner.name.slice(0, -hash.length - 1));
    if (owner.kind === 'Job') return dnsLabel(CRONJOB_JOB.exec(owner.name)?.[1] ?? owner.name);
    return dnsLabel(owner.name);
  }
  return dnsLabel(meta.labels?.['app.kubernetes.io/name'] ?? meta.labels?.app ?? meta.name ?? 'pod');
}

export function isLive(pod: PodLike): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

function podIPs(pod: PodLike): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => typeof ip === 'string' && ip !== '');
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips;
}

function tcpPorts(pod: PodLike): number[] {
  const ports = new Set<number>();
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.containerPort && (p.protocol ?? 'TCP') === 'TCP') ports.add(p.containerPort);
  }
  return [...ports];
}

function stableLabels(pod: PodLike): Record<string, string> {
  return Object.fromEntries(Object.entries(pod.metadata?.labels ?? {}).filter(([k]) => !VOLATILE_LABELS.has(k)));
}

interface Group { namespace: string; name: string; serviceAccount: string; pods: PodLike[] }

function endpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function toWorkload(g: Group, name: string): Workload {
  let labels: Record<string, string> | null = null;
  const ports = new Set<number>();
  const endpoints = new Set<string>();
  for (const pod of g.pods) {
    const own = stableLabels(pod);
    labels = labels === null ? own : Object.fromEntries(Object.entries(labels).filter(([k, v]) => own[k] === v));
    const podPorts = tcpPorts(pod);
    for (const p of podPorts) ports.add(p);
    if (pod.status?.phase === 'Running') for (const ip of podIPs(pod)) for (const p of podPorts) endpoints.add(endpoint(ip, p));
  }
  return { name, namespace: g.namespace, serviceAccount: g.serviceAccount, labels: labels ?? {}, ports: [...ports].sort((a, b) => a - b), endpoints: [...endpoints].sort() };
}

/** The inventory the pods make, sorted by namespace and name. */
export function workloadsFromPods(pods: Iterable<PodLike>): Workload[] {
  const groups = new Map<string, Group>();
  for (const pod of pods) {
    if (!isLive(pod)) continue;
    const namespace = pod.metadata?.namespace ?? 'default';
    const name = workloadNameOf(pod);
    const serviceAccount = pod.spec?.serviceAccountName || 'default';
    const key = `${namespace}/${name}/${serviceAccount}`;
    const g = groups.get(key) ?? groups.set(key, { namespace, name, serviceAccount, pods: [] }).get(key)!;
    g.pods.push(pod);
  }
  const accountsPerName = new Map<string, number>();
  for (const g of groups.values()) accountsPerName.set(`${g.namespace}/${g.name}`, (accountsPerName.get(`${g.namespace}/${g.name}`) ?? 0) + 1);
  const out = [...groups.values()].map((g) => toWorkload(g, accountsPerName.get(`${g.namespace}/${g.name}`)! > 1 ? dnsLabel(`${g.name}--${g.serviceAccount}`) : g.name));
  return out.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}
