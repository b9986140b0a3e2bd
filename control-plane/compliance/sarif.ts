// Audit output as SARIF 2.1.0 (OASIS), as GitHub code scanning and other viewers read it: one run,
// every control as a rule (with its references and a security-severity), one result per finding.
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CONTROLS, controlOf, type ControlId, type Severity } from './controls.js';
import type { AuditReport } from './audit.js';
import type { Finding } from './finding.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const INFORMATION_URI = 'https://github.com/meshguard/meshguard';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note' };
/** GitHub's convention: critical ≥ 9.0, high 7.0–8.9, medium 4.0–6.9, low 0.1–3.9. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0' };

function ruleName(title: string): string {
  return title.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : '')).replace(/^./, (c) => c.toUpperCase());
}

function rule(id: ControlId) {
  const c = controlOf(id);
  const refs = [...c.nist, ...c.cis];
  return {
    id,
    name: ruleName(c.title),
    shortDescription: { text: c.title },
    fullDescription: { text: `${c.title}. ${c.fix}` },
    help: { text: `${c.fix}\nReferences: ${refs.join('; ')}`, markdown: `${c.fix}\n\n**References**\n\n${refs.map((r) => `- ${r}`).join('\n')}` },
    defaultConfiguration: { level: LEVEL[c.severity] },
    properties: { tags: ['security', 'meshguard'], 'security-severity': SECURITY_SEVERITY[c.severity], precision: 'high', nist: c.nist, cis: c.cis },
  };
}

function artifactLocation(file: string) {
  if (isAbsolute(file)) return { uri: pathToFileURL(file).href };
  return { uri: encodeURI(file.split('\\').join('/')), uriBaseId: '%SRCROOT%' };
}

function result(f: Finding, ruleIndex: number) {
  const physicalLocation = {
    artifactLocation: artifactLocation(f.location.file),
    ...(f.location.line > 0 ? { region: { startLine: f.location.line, startColumn: Math.max(1, f.location.col) } } : {}),
  };
  return {
    ruleId: f.control,
    ruleIndex,
    level: LEVEL[f.severity],
    message: { text: f.message },
    locations: [{ physicalLocation }],
    properties: { severity: f.severity, 'security-severity': SECURITY_SEVERITY[f.severity] },
  };
}

const IDS = Object.keys(CONTROLS) as ControlId[];

function run(toolVersion: string, cwd: string) {
  return {
    tool: { driver: { name: 'meshguard', version: toolVersion, semanticVersion: toolVersion, informationUri: INFORMATION_URI, rules: IDS.map(rule) } },
    originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(cwd.endsWith('/') ? cwd : `${cwd}/`).href } },
    columnKind: 'utf16CodeUnits',
  };
}

export function toSarif(report: AuditReport, toolVersion: string, cwd = process.cwd()) {
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{
      ...run(toolVersion, cwd),
      results: report.findings.map((f) => result(f, IDS.indexOf(f.control))),
      invocations: [{ executionSuccessful: true, toolExecutionNotifications: report.unreadable.map((u) => ({ level: 'error', message: { text: `${u.location.file}: ${u.reason}` } })) }],
    }],
  };
}

/**
 * The audit could not run (the policy is missing or invalid): a SARIF log that says so, with no
 * results, so that a CI upload gets a readable failure rather than an empty file.
 */
export function sarifFailure(problems: readonly { readonly file: string; readonly line: number; readonly col: number; readonly message: string }[], toolVersion: string, cwd = process.cwd()): string {
  const notifications = problems.map((p) => ({
    level: 'error',
    message: { text: p.message },
    locations: [{ physicalLocation: { artifactLocation: artifactLocation(p.file), region: { startLine: Math.max(1, p.line), startColumn: Math.max(1, p.col) } } }],
  }));
  const log = { $schema: SARIF_SCHEMA, version: '2.1.0', runs: [{ ...run(toolVersion, cwd), results: [], invocations: [{ executionSuccessful: false, toolExecutionNotifications: notifications }] }] };
  return JSON.stringify(log, null, 2) + '\n';
}

export function formatSarif(report: AuditReport, toolVersion: string): string {
  return JSON.stringify(toSarif(report, toolVersion), null, 2) + '\n';
}
