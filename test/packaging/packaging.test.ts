// Packaging for Kubernetes users: the Dockerfile (no Docker engine on these machines: it is parsed
// and its stages, user, ports and every COPY source are checked), the Helm chart (rendered by the
// real `helm template`, every object validated against the Kubernetes schemas of the
// kubernetes-models package and audited by meshguard audit like render istio's), and the
// monitoring files (the alert rules through `promtool check rules` and `promtool test rules`).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockerfileParser } from 'dockerfile-ast';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_POLICY, runMeshguard } from '../helpers/cli.js';
import { HELM, PROMTOOL, type Tool } from '../helpers/tools.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHART = join(ROOT, 'deploy/helm/meshguard');
const MONITORING = join(ROOT, 'deploy/monitoring');

/** Runs the suite when the tool is there; fails when it is required and missing; else skips, saying so. */
function withTool(tool: Tool): typeof describe | typeof describe.skip {
  if (tool.path) return describe;
  if (tool.required) throw new Error(`MESHGUARD_REQUIRE_${tool.name.toUpperCase()}=1 but no ${tool.name} was found: ${tool.install}`);
  process.stdout.write(`meshguard tests: no ${tool.name}: its packaging checks are SKIPPED (${tool.install})\n`);
  return describe.skip;
}

/** Every metric name meshguard registers (from the sources, so a renamed metric breaks the dashboards' test). */
function registeredMetrics(): Set<string> {
  const out = execFileSync('grep', ['-rhoE', "name: 'meshguard_[a-z_]+'", join(ROOT, 'control-plane')], { encoding: 'utf8' });
  return new Set(out.split('\n').filter(Boolean).map((l) => l.slice("name: '".length, -1)));
}

function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\bmeshguard_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''));
}

describe('Dockerfile', () => {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  // Flags (--from=build) are not arguments to the parser: put them back in front.
  const instructions = DockerfileParser.parse(text).getInstructions().map((i) => {
    const flags = 'getFlags' in i ? (i as unknown as { getFlags(): { getName(): string; getValue(): string | null }[] }).getFlags().map((f) => `--${f.getName()}=${f.getValue() ?? ''}`) : [];
    return { keyword: i.getKeyword(), args: [...flags, ...i.getArguments().map((a) => a.getValue())] };
  });
  const stages: { name: string; body: { keyword: string; args: string[] }[] }[] = [];
  for (const i of instructions) {
    if (i.keyword === 'FROM') stages.push({ name: i.args[2] ?? String(stages.length), body: [] });
    else stages.at(-1)?.body.push(i);
  }

  it('is multi-stage: a build stage with the dev tools, a runtime stage that copies only the results', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    const build = stages[0]!.body.filter((i) => i.keyword === 'RUN').map((i) => i.args.join(' ')).join(' && ');
    expect(build).toMatch(/npm ci/);
    expect(build).toMatch(/npm run build/);
    expect(build).toMatch(/npm prune --omit=dev/);
    const runtime = stages[1]!.body;
    expect(runtime.some((i) => i.keyword === 'RUN')).toBe(false);
    const fromBuild = runtime.filter((i) => i.keyword === 'COPY' && i.args[0] === '--from=build').map((i) => i.args[1]);
    expect(fromBuild).toEqual(expect.arrayContaining(['/src/dist', '/src/build/wasm', '/src/node_modules']));
  });

  it('runs as a non-root user, starts bin/meshguard and exposes the serve ports', () => {
    const runtime = stages[1]!.body;
    const user = runtime.filter((i) => i.keyword === 'USER').at(-1)?.args[0] ?? 'root';
    expect(user).toMatch(/^[1-9][0-9]*(:[1-9][0-9]*)?$/);
    expect(runtime.find((i) => i.keyword === 'EXPOSE')?.args).toEqual(['9001', '18000', '9901']);
    const entry = JSON.parse(text.match(/^ENTRYPOINT (.*)$/m)![1]!) as string[];
    expect(entry).toEqual(['node', '/opt/meshguard/bin/meshguard']);
    const cmd = JSON.parse(text.match(/^CMD (.*)$/m)![1]!) as string[];
    expect(cmd[0]).toBe('serve');
  });

  it('every COPY source from the build context exists and is not excluded by .dockerignore', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    const sources = instructions.filter((i) => i.keyword === 'COPY' && !i.args[0]!.startsWith('--from=')).flatMap((i) => i.args.slice(0, -1));
    expect(sources.length).toBeGreaterThan(8);
    for (const s of sources) {
      expect(existsSync(join(ROOT, s)), s).toBe(true);
      expect(ignored.some((pattern) => s === pattern || s.startsWith(`${pattern}/`)), `${s} is in .dockerignore`).toBe(false);
    }
    // What the build stage builds is produced by `npm run build`: dist/ (tsc) and build/wasm (asc).
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toMatch(/build:ts.*build:wasm/);
  });
});

withTool(HELM())('Helm chart deploy/helm/meshguard (rendered by helm)', () => {
  const helm = (args: string[]) => execFileSync(HELM().path!, args, { encoding: 'utf8', cwd: ROOT });
  const render = (values: string[]) => parseAllDocuments(helm(['template', 'mg', CHART, '--namespace', 'meshguard-system', ...values])).map((d) => d.toJS() as Record<string, unknown> | null).filter((o): o is Record<string, unknown> => o !== null);

  it('helm lint passes', () => {
    expect(helm(['lint', CHART])).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  for (const [name, values] of [
    ['defaults', []],
    ['Kubernetes inventory, a digest, an admin token, Redis off', ['--set', 'kubernetesInventory=true', '--set', `image.digest=sha256:${'a'.repeat(64)}`, '--set', 'admin.tokenSecret=meshguard-admin', '--set', 'redis.url=none']],
  ] as const) {
    it(`${name}: every object passes the Kubernetes schema`, async () => {
      const objects = render([...values]);
      const kinds = objects.map((o) => o.kind);
      expect(kinds).toEqual(expect.arrayContaining(['Deployment', 'Service', 'ConfigMap', 'ServiceAccount', 'PodDisruptionBudget']));
      if (values.length > 0) expect(kinds).toEqual(expect.arrayContaining(['ClusterRole', 'ClusterRoleBinding']));
      for (const o of objects) {
        const models = (await import(`kubernetes-models/${o.apiVersion as string}`)) as Record<string, new (v: unknown) => { validate(): void }>;
        const Model = models[o.kind as string];
        expect(Model, `${o.apiVersion as string} ${o.kind as string}`).toBeDefined();
        expect(() => new Model!(o).validate(), `${o.kind as string}`).not.toThrow();
      }
    });
  }

  it("the Deployment runs serve with the chart's ports, hardened; meshguard audit finds nothing high", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshguard-helm-'));
    const text = helm(['template', 'mg', CHART, '--namespace', 'meshguard-system', '--set', `image.digest=sha256:${'b'.repeat(64)}`]);
    writeFileSync(join(dir, 'rendered.yaml'), text);
    const objects = render(['--set', `image.digest=sha256:${'b'.repeat(64)}`]);
    const dep = objects.find((o) => o.kind === 'Deployment') as { spec: { template: { spec: { containers: { args: string[]; ports: { containerPort: number }[]; securityContext: Record<string, unknown> }[] } } } };
    const c = dep.spec.template.spec.containers[0]!;
    expect(c.args.slice(0, 1)).toEqual(['serve']);
    expect(c.args).toEqual(expect.arrayContaining(['--authz-port=9001', '--xds-port=18000', '--admin-port=9901', '--admin-bind=0.0.0.0']));
    expect(c.ports.map((p) => p.containerPort)).toEqual([9001, 18000, 9901]);
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    const audit = await runMeshguard(['audit', '--policy', EXAMPLE_POLICY, '--manifests', dir, '--format', 'json', '--fail-on', 'high']);
    expect(audit.code, audit.stdout).toBe(0);
    expect((JSON.parse(audit.stdout) as { manifestsScanned: number }).manifestsScanned).toBeGreaterThan(3);
  });

  it("the chart's default policy is examples/shop.yaml and it validates", async () => {
    expect(readFileSync(join(CHART, 'files/shop.yaml'), 'utf8')).toBe(readFileSync(EXAMPLE_POLICY, 'utf8'));
    const cm = render([]).find((o) => o.kind === 'ConfigMap') as { data: Record<string, string> };
    const file = join(mkdtempSync(join(tmpdir(), 'meshguard-helm-policy-')), 'policy.yaml');
    writeFileSync(file, cm.data['policy.yaml']!);
    expect((await runMeshguard(['validate', file])).code).toBe(0);
  });
});

withTool(PROMTOOL())('Prometheus alert rules and the Grafana dashboard', () => {
  const promtool = (args: string[]) => execFileSync(PROMTOOL().path!, args, { encoding: 'utf8', cwd: MONITORING });

  it('promtool check rules and promtool test rules pass', () => {
    expect(promtool(['check', 'rules', 'meshguard-alerts.yaml'])).toMatch(/SUCCESS: \d+ rules found/);
    expect(promtool(['test', 'rules', 'meshguard-alerts.test.yaml'])).toMatch(/SUCCESS/);
  });

  it('rules and dashboard name only metrics meshguard registers, and every panel has a query', () => {
    const known = registeredMetrics();
    expect(known.size).toBeGreaterThan(15);
    const rules = readFileSync(join(MONITORING, 'meshguard-alerts.yaml'), 'utf8');
    const dashboard = JSON.parse(readFileSync(join(MONITORING, 'grafana-dashboard.json'), 'utf8')) as { uid: string; panels: { id: number; targets: { expr: string }[] }[] };
    const used = [...metricsIn(rules), ...dashboard.panels.flatMap((p) => p.targets.flatMap((t) => metricsIn(t.expr)))];
    expect(used.filter((m) => !known.has(m))).toEqual([]);
    expect(dashboard.panels.every((p) => p.targets.length > 0)).toBe(true);
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
  });
});
