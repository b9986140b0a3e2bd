// Audit output as a table (for people) and JSON (for tools); SARIF is in sarif.ts.
import { controlOf, SEVERITIES, type ControlId } from './controls.js';
import type { AuditReport } from './audit.js';
import { countBySeverity, type Finding, type Location } from './finding.js';

export function formatLocation(l: Location): string {
  return l.line > 0 ? `${l.file}:${l.line}:${l.col}` : l.file;
}

function summaryLine(report: AuditReport): string {
  const counts = countBySeverity(report.findings);
  const parts = [...SEVERITIES].reverse().map((s) => `${counts[s]} ${s}`).join(', ');
  const n = report.findings.length;
  return `${n} finding${n === 1 ? '' : 's'}: ${parts} (policy ${report.policyFile} version ${report.policyVersion}; ${report.manifestsScanned} manifests)`;
}

function controlsLegend(findings: readonly Finding[]): string[] {
  const ids = [...new Set(findings.map((f) => f.control))].sort() as ControlId[];
  return ids.flatMap((id) => {
    const c = controlOf(id);
    return [`  ${id}  ${c.title}`, `      fix: ${c.fix}`, `      refs: ${[...c.nist, ...c.cis].join('; ')}`];
  });
}

export function formatTable(report: AuditReport): string {
  const rows = report.findings.map((f) => [f.severity, f.control, formatLocation(f.location), f.message]);
  const header = ['SEVERITY', 'CONTROL', 'LOCATION', 'FINDING'];
  const widths = [0, 1, 2].map((i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  ').trimEnd();
  const out = rows.length > 0 ? [line(header), ...rows.map(line), ''] : [];
  out.push(summaryLine(report));
  if (rows.length > 0) out.push('', 'Controls:', ...controlsLegend(report.findings));
  return out.join('\n') + '\n';
}

/** One finding with its control's title, fix and references (the JSON output and /audit). */
export function findingJson(f: Finding) {
  const c = controlOf(f.control);
  return { control: f.control, title: c.title, severity: f.severity, message: f.message, location: f.location, fix: c.fix, references: { nist: c.nist, cis: c.cis } };
}

export function formatJson(report: AuditReport, toolVersion: string): string {
  const doc = {
    tool: 'meshguard',
    version: toolVersion,
    policy: { file: report.policyFile, version: report.policyVersion },
    manifestsScanned: report.manifestsScanned,
    summary: countBySeverity(report.findings),
    findings: report.findings.map(findingJson),
    errors: report.unreadable.map((u) => ({ location: u.location, reason: u.reason })),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
