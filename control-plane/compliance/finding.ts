// One audit finding, and the ordering every output format uses.
import { controlOf, severityRank, type ControlId, type Severity } from './controls.js';

export interface Location {
  /** As given on the command line (policy or manifest file), or a pseudo-location such as `xds:<node>`. */
  readonly file: string;
  /** 1-based; 0 when unknown. */
  readonly line: number;
  readonly col: number;
}

export interface Finding {
  readonly control: ControlId;
  readonly severity: Severity;
  /** What is wrong, naming the object (segment, workload, container...). */
  readonly message: string;
  readonly location: Location;
}

export function finding(control: ControlId, message: string, location: Location, severity: Severity = controlOf(control).severity): Finding {
  return { control, severity, message, location };
}

/** Most severe first, then by file, line and control. */
export function compareFindings(a: Finding, b: Finding): number {
  return severityRank(b.severity) - severityRank(a.severity)
    || a.location.file.localeCompare(b.location.file)
    || a.location.line - b.location.line
    || a.location.col - b.location.col
    || a.control.localeCompare(b.control)
    || a.message.localeCompare(b.message);
}

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const out: Record<Severity, number> = { low: 0, medium: 0, high: 0, critical: 0 };
  for (const f of findings) out[f.severity]++;
  return out;
}

export function atOrAbove(findings: readonly Finding[], threshold: Severity): Finding[] {
  return findings.filter((f) => severityRank(f.severity) >= severityRank(threshold));
}
