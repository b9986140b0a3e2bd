// Operators' kit benchmark: `meshguard audit` over a generated 2,000-workload policy and 200
// Kubernetes manifests, and `meshguard graph --format svg` over a 500-workload policy, each both as
// the command a user runs (a child process, wall clock, node start included) and in-process (the
// work itself). Baseline in the same run: `meshguard validate` of the same policy file, i.e. what
// reading the policy costs before any audit or layout work.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPolicyUnderAudit, runAudit } from '../control-plane/compliance/audit.js';
import { loadManifests } from '../control-plane/compliance/manifests.js';
import { formatSarif } from '../control-plane/compliance/sarif.js';
import { buildGraph } from '../control-plane/graph/model.js';
import { toSvg } from '../control-plane/graph/svg.js';
import { loadCompiledPolicy } from '../control-plane/policy/load.js';
import { BENCH_SHAPE, generatePolicyDocument, policyYaml, type PolicyShape } from './generate-policy.js';
import { median } from './lib/stats.js';
import type { Benchmark, BenchContext, BenchReport, Figure } from './lib/types.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const MESHGUARD = join(HERE, '..', '..', 'bin', 'meshguard');
const AUDIT_SHAPE: PolicyShape = { workloads: 2000, segments: 2000, egress: 200, seed: 0x0b5 };
const GRAPH_SHAPE: PolicyShape = { ...BENCH_SHAPE, seed: 0x0b5 };
const MANIFESTS = 200;
const ROUNDS = 3;
const TARGET_MS = 2000;

/** Four kinds of workload manifests, from hardened to careless, 4 documents per file. */
function manifest(i: number): string {
  const kinds = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob'] as const;
  const kind = kinds[i % kinds.length]!;
  const hardened = i % 3 === 0;
  const container = hardened
    ? `{ name: app, image: "registry.example/app-${i}@sha256:${(i % 16).toString(16).repeat(64)}", securityContext: { runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] }, seccompProfile: { type: RuntimeDefault } }, resources: { limits: { cpu: 500m, memory: 256Mi } } }`
    : `{ name: app, image: "registry.example/app-${i}:1.${i}", ports: [{ containerPort: 8080${i % 7 === 0 ? ', hostPort: 8080' : ''} }], securityContext: { privileged: ${i % 11 === 0}, capabilities: { add: [NET_ADMIN] } } }`;
  const pod = `{ hostNetwork: ${i % 13 === 0}, containers: [${container}], volumes: [${i % 5 === 0 ? '{ name: h, hostPath: { path: /var/run } }' : ''}] }`;
  const spec = kind === 'CronJob'
    ? `{ schedule: "*/5 * * * *", jobTemplate: { spec: { template: { spec: ${pod} } } } }`
    : `{ selector: { matchLabels: { app: app-${i} } }, template: { metadata: { labels: { app: app-${i} } }, spec: ${pod} } }`;
  return `apiVersion: ${kind === 'CronJob' ? 'batch/v1' : 'apps/v1'}\nkind: ${kind}\nmetadata: { name: app-${i}, namespace: ns-${String(i % 20).padStart(2, '0')} }\nspec: ${spec}\n`;
}

async function writeManifests(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let f = 0; f < MANIFESTS / 4; f++) {
    await writeFile(join(dir, `workloads-${f}.yaml`), [0, 1, 2, 3].map((d) => manifest(f * 4 + d)).join('---\n'));
  }
}

/** Wall-clock milliseconds of one `meshguard` run (output discarded); throws on an unexpected exit code. */
function timeCommand(args: readonly string[], okCodes: readonly number[] = [0]): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [MESHGUARD, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (okCodes.includes(code ?? -1) ? resolve(performance.now() - start) : reject(new Error(`meshguard ${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}

async function medianOf(rounds: number, fn: () => Promise<number>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) times.push(await fn());
  return median(times);
}

/** Wall-clock and CPU (user + system) milliseconds of `fn` in this process. */
async function timed(fn: () => Promise<unknown> | unknown, cpu: number[]): Promise<number> {
  const start = performance.now();
  const before = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(before);
  cpu.push((used.user + used.system) / 1000);
  return performance.now() - start;
}

async function auditFigures(ctx: BenchContext, policy: string, manifests: string, notes: string[]): Promise<Figure[]> {
  const validate = await medianOf(ROUNDS, () => timeCommand(['validate', policy]));
  const cliArgs = ['audit', '--policy', policy, '--manifests', manifests, '--format', 'sarif'];
  ctx.log(`$ meshguard ${cliArgs.join(' ')}`);
  const cli = await medianOf(ROUNDS, () => timeCommand(cliArgs));
  let findings = 0;
  const cpu: number[] = [];
  const inProcess = await medianOf(ROUNDS, () => timed(async () => {
    const p = await loadPolicyUnderAudit(policy);
    if (!p.ok) throw new Error('generated policy is invalid');
    const report = runAudit({ policy: p.value, manifests: await loadManifests(manifests), wasmDir: null });
    findings = report.findings.length;
    formatSarif(report, 'bench');
  }, cpu));
  notes.push(`audit: ${AUDIT_SHAPE.workloads} workloads, ${AUDIT_SHAPE.segments} segments, ${AUDIT_SHAPE.egress} egress rules, ${MANIFESTS} manifests → ${findings} findings (SARIF); median of ${ROUNDS}`);
  const baseline = { name: 'meshguard validate (same policy)', value: validate };
  return [
    { name: 'audit, command (2,000 workloads + 200 manifests, SARIF)', value: cli, unit: 'ms', target: { op: '<=', value: TARGET_MS }, baseline },
    { name: 'audit, in-process (load + controls + SARIF)', value: inProcess, unit: 'ms', target: { op: '<=', value: TARGET_MS } },
    { name: 'audit, in-process CPU time', value: median(cpu), unit: 'ms', target: { op: '<=', value: TARGET_MS }, note: 'user + system: what the work costs, whatever else runs on the machine' },
  ];
}

async function graphFigures(ctx: BenchContext, policy: string, notes: string[]): Promise<Figure[]> {
  const validate = await medianOf(ROUNDS, () => timeCommand(['validate', policy]));
  const cliArgs = ['graph', '--policy', policy, '--format', 'svg'];
  ctx.log(`$ meshguard ${cliArgs.join(' ')} > /dev/null`);
  const cli = await medianOf(ROUNDS, () => timeCommand(cliArgs));
  const loaded = await loadCompiledPolicy(policy);
  if (!loaded.ok) throw new Error('generated policy is invalid');
  let size = 0;
  let edges = 0;
  const cpu: number[] = [];
  const inProcess = await medianOf(ROUNDS, () => timed(async () => {
    const g = buildGraph(loaded.compiled);
    edges = g.edges.length;
    size = (await toSvg(g)).length;
  }, cpu));
  notes.push(`graph: ${GRAPH_SHAPE.workloads} workloads, ${GRAPH_SHAPE.segments} segments, ${GRAPH_SHAPE.egress} egress rules → ${edges} edges, SVG ${(size / 1e6).toFixed(1)} MB; median of ${ROUNDS}`);
  return [
    { name: 'graph --format svg, command (500 workloads)', value: cli, unit: 'ms', target: { op: '<=', value: TARGET_MS }, baseline: { name: 'meshguard validate (same policy)', value: validate } },
    { name: 'graph svg, in-process (graph + layout + SVG)', value: inProcess, unit: 'ms', target: { op: '<=', value: TARGET_MS } },
    { name: 'graph svg, in-process CPU time', value: median(cpu), unit: 'ms', target: { op: '<=', value: TARGET_MS } },
  ];
}

async function run(ctx: BenchContext): Promise<BenchReport> {
  const dir = await mkdtemp(join(tmpdir(), 'mg-bench-ops-'));
  try {
    const auditPolicy = join(dir, 'policy-2000.yaml');
    const graphPolicy = join(dir, 'policy-500.yaml');
    const manifests = join(dir, 'manifests');
    await writeFile(auditPolicy, policyYaml(generatePolicyDocument(AUDIT_SHAPE)));
    await writeFile(graphPolicy, policyYaml(generatePolicyDocument(GRAPH_SHAPE)));
    await writeManifests(manifests);
    const notes: string[] = [];
    const figures = [...(await auditFigures(ctx, auditPolicy, manifests, notes)), ...(await graphFigures(ctx, graphPolicy, notes))];
    notes.push('command figures are wall clock of a child process (node start ≈ 0.1–0.3 s included); the baseline is `meshguard validate` of the same file');
    return { figures, notes };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const benchmark: Benchmark = { name: 'ops', title: 'audit (2,000 workloads, 200 manifests) and graph --format svg (500 workloads)', order: 60, run };
