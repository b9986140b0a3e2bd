// The control catalogue of `meshguard audit`: each control once, with its default severity, how
// to fix it and its references (NIST SP 800-190 sections; CIS Kubernetes Benchmark v1.10
// recommendations, numbered as in aquasecurity/kube-bench cfg/cis-1.10/policies.yaml).
// Ids are never reused: a retired control stays in RETIRED_CONTROLS.

export type Severity = 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

export interface Control {
  readonly title: string;
  readonly severity: Severity;
  readonly fix: string;
  /** NIST SP 800-190 sections (risk 3.x and its countermeasure 4.x). */
  readonly nist: readonly string[];
  /** CIS Kubernetes Benchmark v1.10 recommendations; empty when the benchmark has none. */
  readonly cis: readonly string[];
}

const NET = ['NIST SP 800-190 3.3.3 / 4.3.3 (poorly separated inter-container network traffic)'];
const EGRESS = ['NIST SP 800-190 3.4.2 / 4.4.2 (unbounded network access from containers)'];
const RUNTIME = ['NIST SP 800-190 3.4.3 / 4.4.3 (insecure container runtime configurations)'];
const HOST = ['NIST SP 800-190 3.5.2 / 4.5.2 (shared kernel)', ...RUNTIME];

export const CONTROLS = {
  'MG-POL-001': { title: 'mTLS is not strict', severity: 'high', fix: 'Set spec.defaults.mtls: strict so that a request without a verified peer identity is denied.', nist: NET, cis: [] },
  'MG-POL-002': { title: 'Inbound default is allow', severity: 'high', fix: 'Set spec.defaults.inbound: deny and allow calls with segments.', nist: NET, cis: ['CIS 5.3.2 (all namespaces have network policies defined)'] },
  'MG-POL-003': { title: 'Egress default is allow', severity: 'high', fix: 'Set spec.defaults.egress: deny and list allowed hosts in egress rules.', nist: EGRESS, cis: ['CIS 5.3.2 (all namespaces have network policies defined)'] },
  'MG-POL-004': { title: 'Segment allows every workload to call every workload', severity: 'high', fix: 'Narrow `to` and `from` to the workloads that need the call (matchLabels, namespace).', nist: NET, cis: [] },
  'MG-POL-005': { title: 'Segment admits every identity of the inventory', severity: 'medium', fix: 'List only the callers that need this segment in `from`.', nist: NET, cis: [] },
  'MG-POL-006': { title: 'Egress rule allows any host', severity: 'high', fix: 'Replace the `*` host with the names the workload calls (`api.x.com`, `*.x.com`).', nist: EGRESS, cis: [] },
  'MG-POL-007': { title: 'Egress rule allows a very broad address range', severity: 'high', fix: 'List the provider\'s published ranges instead of 0.0.0.0/0, ::/0 or a range wider than /8 (IPv4) or /32 (IPv6).', nist: EGRESS, cis: [] },
  'MG-POL-008': { title: 'Workloads with different labels share a service account', severity: 'medium', fix: 'Give each workload its own service account: identities are per service account, so a segment that admits one admits the other.', nist: ['NIST SP 800-190 3.3.2 / 4.3.2 (unauthorized access)'], cis: ['CIS 5.1.5 (default service accounts are not actively used)'] },
  'MG-POL-009': { title: 'Segment is unused', severity: 'low', fix: 'Fix the selectors (they select no workload or no source) or remove the segment.', nist: NET, cis: [] },
  'MG-POL-010': { title: 'Egress rule is unused', severity: 'low', fix: 'Fix the `from` selector (it selects no workload) or remove the rule.', nist: EGRESS, cis: [] },
  'MG-POL-011': { title: 'No segment reaches the workload', severity: 'low', fix: 'Add a segment whose `to` selects the workload, or remove it from the inventory if it serves nothing.', nist: NET, cis: [] },
  'MG-POL-012': { title: 'Workload labels cannot tell it from another workload', severity: 'medium', fix: 'Give the workload a distinguishing label, or add meshguard.io/workload: <name> to its pod template (Istio selectors are equality-only).', nist: NET, cis: [] },
  'MG-POL-013': { title: 'Anomaly scoring is off', severity: 'low', fix: 'Set spec.anomaly.mode: monitor (or enforce).', nist: ['NIST SP 800-190 3.4.4 / 4.4.4 (app vulnerabilities)'], cis: [] },
  'MG-WASM-001': { title: 'Wasm module is not pinned by SHA-256', severity: 'high', fix: 'Set sha256 (WasmPlugin.spec.sha256, vm_config.code.remote.sha256): build the filters (npm run build:wasm) so render istio reads build/wasm/<name>.wasm.sha256.', nist: ['NIST SP 800-190 3.1.5 / 4.1.5 (use of untrusted images)'], cis: ['CIS 5.5.1 (image provenance)'] },
  'MG-K8S-001': { title: 'Container may run as root', severity: 'high', fix: 'Set securityContext.runAsNonRoot: true and a non-zero runAsUser.', nist: ['NIST SP 800-190 3.1.2 / 4.1.2 (image configuration defects)', ...RUNTIME], cis: ['CIS 5.2.7 (minimize the admission of root containers)'] },
  'MG-K8S-002': { title: 'Container is privileged', severity: 'critical', fix: 'Remove securityContext.privileged: true.', nist: HOST, cis: ['CIS 5.2.2 (minimize the admission of privileged containers)'] },
  'MG-K8S-003': { title: 'Privilege escalation is allowed', severity: 'medium', fix: 'Set securityContext.allowPrivilegeEscalation: false.', nist: RUNTIME, cis: ['CIS 5.2.6 (minimize the admission of containers with allowPrivilegeEscalation)'] },
  'MG-K8S-004': { title: 'Root filesystem is writable', severity: 'medium', fix: 'Set securityContext.readOnlyRootFilesystem: true; mount an emptyDir where the container writes.', nist: RUNTIME, cis: ['CIS 5.7.3 (apply security context to pods and containers)'] },
  'MG-K8S-005': { title: 'No seccomp profile', severity: 'medium', fix: 'Set securityContext.seccompProfile.type: RuntimeDefault (pod or container).', nist: RUNTIME, cis: ['CIS 5.7.2 (seccomp profile set to RuntimeDefault)'] },
  'MG-K8S-006': { title: 'Capabilities are not dropped', severity: 'medium', fix: 'Set securityContext.capabilities.drop: [ALL] and add back only what is needed.', nist: RUNTIME, cis: ['CIS 5.2.10 (minimize the admission of containers with capabilities assigned)'] },
  'MG-K8S-007': { title: 'Capabilities are added', severity: 'high', fix: 'Remove securityContext.capabilities.add (NET_BIND_SERVICE alone is tolerated).', nist: RUNTIME, cis: ['CIS 5.2.9 (minimize the admission of containers with added capabilities)', 'CIS 5.2.8 (NET_RAW)'] },
  'MG-K8S-008': { title: 'Image is not pinned by digest', severity: 'medium', fix: 'Reference the image as repository@sha256:<digest> (a tag can be moved).', nist: ['NIST SP 800-190 3.2.2 / 4.2.2 (stale images in registries)', 'NIST SP 800-190 3.1.5 / 4.1.5 (use of untrusted images)'], cis: ['CIS 5.5.1 (image provenance)'] },
  'MG-K8S-009': { title: 'Pod shares the host network', severity: 'high', fix: 'Remove spec.hostNetwork: true.', nist: HOST, cis: ['CIS 5.2.5 (host network namespace)'] },
  'MG-K8S-010': { title: 'Pod shares the host PID namespace', severity: 'high', fix: 'Remove spec.hostPID: true.', nist: HOST, cis: ['CIS 5.2.3 (host process ID namespace)'] },
  'MG-K8S-011': { title: 'Pod shares the host IPC namespace', severity: 'high', fix: 'Remove spec.hostIPC: true.', nist: HOST, cis: ['CIS 5.2.4 (host IPC namespace)'] },
  'MG-K8S-012': { title: 'Pod mounts a hostPath volume', severity: 'high', fix: 'Replace the hostPath volume (emptyDir, a PersistentVolumeClaim, a projected volume).', nist: ['NIST SP 800-190 3.5.5 / 4.5.5 (host OS file system tampering)'], cis: ['CIS 5.2.12 (HostPath volumes)'] },
  'MG-K8S-013': { title: 'Container uses a hostPort', severity: 'medium', fix: 'Remove ports[].hostPort; expose the port through a Service.', nist: HOST, cis: ['CIS 5.2.13 (HostPorts)'] },
  'MG-K8S-014': { title: 'No resource limits', severity: 'medium', fix: 'Set resources.limits.cpu and resources.limits.memory.', nist: RUNTIME, cis: [] },
  'MG-XDS-001': { title: 'A node runs a configuration other than the intended one', severity: 'medium', fix: 'Look at the node\'s last NACK (/status, xds section) and the policy version it ACKed; fix the rejected configuration.', nist: ['NIST SP 800-190 3.3.5 / 4.3.5 (orchestrator node trust)'], cis: [] },
} as const satisfies Record<string, Control>;

export type ControlId = keyof typeof CONTROLS;

export const RETIRED_CONTROLS: readonly string[] = [];

export function controlOf(id: ControlId): Control {
  return CONTROLS[id];
}
