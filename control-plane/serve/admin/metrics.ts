// Prometheus metrics (meshguard_*), one registry per process.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuthzResult } from '../../authorizer/authorizer.js';

export class Metrics {
  readonly registry = new Registry();
  private readonly decisions = new Counter({
    name: 'meshguard_decisions_total', help: 'Decisions by verdict, HTTP status, direction and the rule that decided',
    labelNames: ['verdict', 'status', 'direction', 'rule'] as const, registers: [this.registry],
  });
  readonly decisionSeconds = new Histogram({
    name: 'meshguard_decision_duration_seconds', help: 'Time to decide one check, from request decoded to verdict',
    buckets: [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.005, 0.025], registers: [this.registry],
  });
  private readonly policyInfo = new Gauge({
    name: 'meshguard_policy_info', help: 'The policy in force (value 1), by name and version', labelNames: ['name', 'version'] as const, registers: [this.registry],
  });
  readonly policyVersionTimestamp = new Gauge({
    name: 'meshguard_policy_loaded_timestamp_seconds', help: 'When the policy in force was loaded', registers: [this.registry],
  });
  readonly reloads = new Counter({ name: 'meshguard_policy_reloads_total', help: 'Policy reloads that took effect', registers: [this.registry] });
  readonly reloadFailures = new Counter({
    name: 'meshguard_policy_reload_failures_total', help: 'Policy edits rejected; the last good policy stays in force', registers: [this.registry],
  });
  readonly anomalyScores = new Histogram({
    name: 'meshguard_anomaly_score', help: 'Anomaly scores of scored requests', buckets: [0, 3, 5, 10, 15, 20, 30, 50], registers: [this.registry],
  });
  readonly dnsSuspicious = new Counter({ name: 'meshguard_egress_dns_suspicious_total', help: 'Egress host names that looked like DNS tunnelling', registers: [this.registry] });
  readonly requestErrors = new Counter({ name: 'meshguard_check_errors_total', help: 'Check requests that could not be decoded or decided', registers: [this.registry] });
  private readonly children = new Map<string, Counter.Internal>();

  constructor(withProcessMetrics = true) {
    if (withProcessMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'meshguard_' });
  }

  recordDecision(result: AuthzResult, seconds: number): void {
    const key = `${result.decision}|${result.status}|${result.direction}|${result.rule ?? ''}`;
    let child = this.children.get(key);
    if (!child) {
      child = this.decisions.labels(result.decision, String(result.status), result.direction, result.rule ?? '');
      this.children.set(key, child);
    }
    child.inc();
    this.decisionSeconds.observe(seconds);
    if (result.anomaly) this.anomalyScores.observe(result.anomaly.score);
    if (result.dnsSuspicious) this.dnsSuspicious.inc();
  }

  setPolicy(name: string, version: string): void {
    this.policyInfo.reset();
    this.policyInfo.labels(name, version).set(1);
    this.policyVersionTimestamp.setToCurrentTime();
  }
}
