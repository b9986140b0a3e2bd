// Controls over Kubernetes workloads (MG-K8S-*): the pod spec of Deployments, StatefulSets,
// DaemonSets, ReplicaSets, Pods, Jobs and CronJobs, container by container (init containers too).
import type { ControlId, Severity } from './controls.js';
import { finding, type Finding } from './finding.js';
import { podSpecPath, valueAt, type Manifest } from './manifests.js';
import type { YamlPath } from './yaml-locate.js';

type Obj = Readonly<Record<string, unknown>>;

function obj(v: unknown): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}

function list(v: unknown): Obj[] {
  return Array.isArray(v) ? v.map(obj) : [];
}

const DIGEST = /@sha256:([a-f0-9]{64})$/;
const SAFE_SECCOMP = new Set(['RuntimeDefault', 'Localhost']);
const TOLERATED_CAPS = new Set(['NET_BIND_SERVICE']);

interface ContainerScope {
  readonly m: Manifest;
  readonly pod: Obj;
  readonly c: Obj;
  /** Path of the container inside the document. */
  readonly at: YamlPath;
  /** Path of the pod spec inside the document. */
  readonly podAt: YamlPath;
  readonly subject: string;
  readonly out: Finding[];
}

function report(s: ContainerScope, control: ControlId, message: string, field: YamlPath, severity?: Severity): void {
  s.out.push(finding(control, `${s.subject}: ${message}`, s.m.locator.locate([...s.at, ...field], true), severity));
}

function identityChecks(s: ContainerScope): void {
  const sc = obj(s.c.securityContext);
  const psc = obj(s.pod.securityContext);
  const runAsUser = sc.runAsUser ?? psc.runAsUser;
  const runAsNonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
  if (runAsUser === 0) {
    const field = sc.runAsUser === 0 ? ['securityContext', 'runAsUser'] : [];
    if (field.length > 0) report(s, 'MG-K8S-001', 'runs as root (runAsUser: 0)', field);
    else s.out.push(finding('MG-K8S-001', `${s.subject}: runs as root (the pod's runAsUser: 0)`, s.m.locator.locate([...s.podAt, 'securityContext', 'runAsUser'], true)));
  }
  else if (runAsNonRoot !== true && !(typeof runAsUser === 'number' && runAsUser > 0)) report(s, 'MG-K8S-001', 'may run as root (runAsNonRoot is not true and no non-zero runAsUser)', ['securityContext', 'runAsNonRoot']);
  const seccomp = obj(sc.seccompProfile ?? psc.seccompProfile).type;
  if (!SAFE_SECCOMP.has(seccomp as string)) {
    const message = `${s.subject}: ${seccomp === undefined ? 'no seccomp profile' : `seccomp profile ${String(seccomp)}`}`;
    const path = sc.seccompProfile === undefined && psc.seccompProfile !== undefined ? [...s.podAt, 'securityContext', 'seccompProfile'] : [...s.at, 'securityContext', 'seccompProfile'];
    s.out.push(finding('MG-K8S-005', message, s.m.locator.locate(path, true)));
  }
}

function privilegeChecks(s: ContainerScope): void {
  const sc = obj(s.c.securityContext);
  if (sc.privileged === true) report(s, 'MG-K8S-002', 'privileged: true', ['securityContext', 'privileged']);
  if (sc.allowPrivilegeEscalation !== false) report(s, 'MG-K8S-003', 'allowPrivilegeEscalation is not false', ['securityContext', 'allowPrivilegeEscalation']);
  if (sc.readOnlyRootFilesystem !== true) report(s, 'MG-K8S-004', 'readOnlyRootFilesystem is not true', ['securityContext', 'readOnlyRootFilesystem']);
  const caps = obj(sc.capabilities);
  // Exactly "ALL", as the Pod Security Standards (restricted) require: runtimes do not all fold case.
  const drop = Array.isArray(caps.drop) ? caps.drop.map(String) : [];
  if (!drop.includes('ALL')) report(s, 'MG-K8S-006', `capabilities.drop does not include ALL${drop.some((d) => d.toUpperCase() === 'ALL') ? ' (it is case-sensitive)' : ''}`, ['securityContext', 'capabilities', 'drop']);
  const added = (Array.isArray(caps.add) ? caps.add.map((x) => String(x).toUpperCase().replace(/^CAP_/, '')) : []).filter((c) => !TOLERATED_CAPS.has(c));
  if (added.length > 0) report(s, 'MG-K8S-007', `adds capabilities ${added.join(', ')}`, ['securityContext', 'capabilities', 'add'], added.some((c) => c === 'SYS_ADMIN' || c === 'ALL') ? 'critical' : undefined);
}

function imageAndResourceChecks(s: ContainerScope): void {
  const image = typeof s.c.image === 'string' ? s.c.image : '';
  const digest = DIGEST.exec(image);
  if (!digest) report(s, 'MG-K8S-008', `image ${image || '(none)'} is not pinned by digest`, ['image']);
  else if (/^0+$/.test(digest[1]!)) report(s, 'MG-K8S-008', `image ${image} carries a placeholder digest`, ['image'], 'low');
  list(s.c.ports).forEach((p, i) => {
    if (p.hostPort !== undefined && p.hostPort !== 0) report(s, 'MG-K8S-013', `hostPort ${String(p.hostPort)}`, ['ports', i, 'hostPort']);
  });
  const limits = obj(obj(s.c.resources).limits);
  const missing = ['cpu', 'memory'].filter((r) => limits[r] === undefined);
  if (missing.length > 0) report(s, 'MG-K8S-014', `no ${missing.join(' or ')} limit`, ['resources', 'limits']);
}

function podChecks(m: Manifest, pod: Obj, at: YamlPath, subject: string): Finding[] {
  const out: Finding[] = [];
  const flag = (control: ControlId, field: string) => {
    if (pod[field] === true) out.push(finding(control, `${subject}: ${field}: true`, m.locator.locate([...at, field], true)));
  };
  flag('MG-K8S-009', 'hostNetwork');
  flag('MG-K8S-010', 'hostPID');
  flag('MG-K8S-011', 'hostIPC');
  list(pod.volumes).forEach((v, i) => {
    if (v.hostPath !== undefined) out.push(finding('MG-K8S-012', `${subject}: volume ${String(v.name)} is hostPath ${String(obj(v.hostPath).path ?? '')}`, m.locator.locate([...at, 'volumes', i, 'hostPath'], true)));
  });
  return out;
}

/** Findings for one manifest; [] for kinds that hold no pod spec. */
export function auditWorkloadManifest(m: Manifest): Finding[] {
  const specPath = podSpecPath(m.kind);
  if (!specPath) return [];
  const at = [...m.base, ...specPath];
  const pod = obj(valueAt(m.object, specPath));
  const subject = `${m.kind} ${m.namespace}/${m.name}`;
  const out = podChecks(m, pod, at, subject);
  for (const key of ['initContainers', 'containers'] as const) {
    list(pod[key]).forEach((c, i) => {
      const scope: ContainerScope = { m, pod, c, at: [...at, key, i], podAt: at, subject: `${subject} ${key === 'containers' ? 'container' : 'init container'} ${String(c.name ?? i)}`, out };
      identityChecks(scope);
      privilegeChecks(scope);
      imageAndResourceChecks(scope);
    });
  }
  return out;
}
