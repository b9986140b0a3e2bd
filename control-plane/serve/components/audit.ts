// The audit inside `meshguard serve`: re-runs the policy controls on every new policy version
// (file reload or inventory change), exports them as `meshguard_audit_findings{control,severity}`,
// serves them on the admin port at /audit (JSON) and watches xDS drift (drift.ts).
import { readFile } from 'node:fs/promises';
import { Gauge } from 'prom-client';
import { sendJson } from '../admin/server.js';
import type { CompiledPolicy } from '../../policy/compiled.js';
import type { Component, ServeContext } from '../component.js';
import { policyUnderAudit, runAudit, type AuditReport } from '../../compliance/audit.js';
import { compareFindings, countBySeverity, type Finding } from '../../compliance/finding.js';
import { findingJson } from '../../compliance/format.js';
import type { PolicyUnderAudit } from '../../compliance/policy-audit.js';
import { readDrift, type DriftResult } from '../../compliance/drift.js';

/** How long an audit waits after a policy change, so that pushing the new version comes first. */
const AUDIT_DELAY_MS = 1000;

export interface AuditComponentOptions {
  /** For the generated-config check (MG-WASM-001); null skips it. */
  readonly wasmDir?: string | null;
  readonly driftIntervalMs?: number;
}

/**
 * The policy as the audit reads it: the file as serve last parsed it (no second parse, whose
 * garbage would grow the heap of a large policy by tens of MB), else read again; without a
 * readable file, findings keep the policy file but no line.
 */
async function underAudit(policy: CompiledPolicy, ctx: ServeContext): Promise<PolicyUnderAudit> {
  const parsed = ctx.policies.fileSource();
  if (parsed && parsed.source.file === policy.file) {
    // A copy: the line index (or a positioned parse) that lookups build goes away with the audit.
    const source = parsed.source.fresh();
    return {
      compiled: policy,
      fileWorkloads: parsed.policy.spec.workloads.map((w) => `${w.namespace}/${w.name}`),
      locate: (path, atKey = false) => ({ file: source.file, ...source.position(path, atKey) }),
    };
  }
  try {
    const reread = policyUnderAudit(await readFile(policy.file, 'utf8'), policy.file, policy);
    if (reread.ok) return reread.value;
  } catch {
    // unreadable: fall through
  }
  return { compiled: policy, fileWorkloads: [], locate: () => ({ file: policy.file, line: 0, col: 0 }) };
}

/** The audit's state in one serve process: the last report, the last drift reading, their metrics. */
class ServeAudit {
  private report: (AuditReport & { at: string }) | null = null;
  private drift: DriftResult;
  /** Audits run one after another, in policy-version order. */
  chain = Promise.resolve();
  private readonly findingsGauge: Gauge<'control' | 'severity'>;
  private readonly driftGauge: Gauge;

  constructor(private readonly ctx: ServeContext, private readonly options: AuditComponentOptions) {
    const registers = [ctx.metrics.registry];
    this.findingsGauge = new Gauge({ name: 'meshguard_audit_findings', help: 'Audit findings over the policy in force, by control and severity', labelNames: ['control', 'severity'] as const, registers });
    this.driftGauge = new Gauge({ name: 'meshguard_xds_drift_nodes', help: 'Nodes whose ACKed configuration is not the intended one (-1: xDS status unavailable)', registers });
    this.drift = readDrift(ctx.status.get('xds'));
  }

  findings(): Finding[] {
    return [...(this.report?.findings ?? []), ...(this.drift.available ? this.drift.findings : [])].sort(compareFindings);
  }

  /** The newest policy asked for; older ones still waiting are skipped. */
  private latest: CompiledPolicy | null = null;

  /**
   * Audits a new policy version, after the xDS push has had its turn (the audit of a large policy
   * holds the event loop for a while), and only the newest of a burst of versions.
   */
  audit(policy: CompiledPolicy, delayMs = AUDIT_DELAY_MS): void {
    this.latest = policy;
    this.chain = this.chain.then(async () => {
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      if (this.latest !== policy) return;
      this.report = { ...runAudit({ policy: await underAudit(policy, this.ctx), wasmDir: this.options.wasmDir ?? null }), at: new Date().toISOString() };
      this.publish();
      this.ctx.logger.info({ event: 'audit', version: policy.version, findings: countBySeverity(this.report.findings) }, 'policy audited');
    }).catch((err: unknown) => this.ctx.logger.error({ event: 'audit_failed', error: (err as Error).message }, 'policy audit failed'));
  }

  checkDrift(): void {
    this.drift = readDrift(this.ctx.status.get('xds'));
    this.driftGauge.set(this.drift.available ? this.drift.drifted.length : -1);
    this.publish();
  }

  /** The /audit document. */
  document() {
    const findings = this.findings();
    return {
      policy: this.report ? { file: this.report.policyFile, version: this.report.policyVersion } : null,
      at: this.report?.at ?? null,
      summary: countBySeverity(findings),
      findings: findings.map(findingJson),
      drift: this.drift.available ? { nodes: this.drift.nodes, drifted: this.drift.drifted.length } : { note: this.drift.note },
    };
  }

  /** The `audit` entry of /status. */
  status() {
    return {
      at: this.report?.at ?? null, policyVersion: this.report?.policyVersion ?? null,
      findings: this.report ? countBySeverity(this.report.findings) : null,
      drift: this.drift.available ? { nodes: this.drift.nodes, drifted: this.drift.drifted.map((n) => n.node) } : { note: this.drift.note },
    };
  }

  private publish(): void {
    this.findingsGauge.reset();
    for (const f of this.findings()) this.findingsGauge.labels(f.control, f.severity).inc();
  }
}

export function auditComponent(options: AuditComponentOptions = {}): Component {
  return {
    name: 'audit',
    async start(ctx: ServeContext) {
      const state = new ServeAudit(ctx, options);
      state.audit(ctx.policies.current, 0);
      const unsubscribe = ctx.policies.subscribe((policy) => state.audit(policy));
      state.checkDrift();
      const timer = setInterval(() => state.checkDrift(), options.driftIntervalMs ?? 5000);
      timer.unref();
      ctx.admin.get('/audit', async (_req, res) => {
        await state.chain;
        sendJson(res, 200, state.document());
      });
      ctx.status.set('audit', () => state.status());
      return {
        async close() {
          unsubscribe();
          clearInterval(timer);
          await state.chain;
        },
      };
    },
  };
}
