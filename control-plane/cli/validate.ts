// `meshguard validate FILE`: schema and semantic checks, each problem as FILE:LINE:COL (or JSON).
import type { Diagnostic } from '../policy/diagnostics.js';
import { formatDiagnostic, formatFieldPath } from '../policy/diagnostics.js';
import { loadPolicyFile } from '../policy/load.js';
import { EXIT } from './exit.js';
import { unreadable } from './policy.js';
import type { CommandSpec } from './spec.js';

function jsonDiagnostic(d: Diagnostic) {
  return { severity: d.severity, code: d.code, file: d.file, line: d.line, col: d.col, field: formatFieldPath(d.path), message: d.message };
}

export const command: CommandSpec = {
  name: 'validate',
  summary: 'check a policy file against the schema and the semantic rules',
  description: 'Checks a policy file against the JSON Schema (schema/meshpolicy.schema.json) and the semantic rules (patterns that can never match, malformed SPIFFE IDs and CIDRs, duplicate names, selectors that select nothing…). Every problem is reported with its position.',
  positionals: [{ name: 'FILE', help: 'the MeshPolicy YAML file' }],
  flags: [
    { name: 'output', value: 'FORMAT', choices: ['text', 'json'], default: 'text', help: 'text: one FILE:LINE:COL: [warning: ]field: message [CODE] line per problem and a summary; json: one document {file, valid, errors, warnings, summary}' },
  ],
  async run(args) {
    const result = await loadPolicyFile(args.positionals[0]!);
    const status = result.ok ? EXIT.OK : unreadable(result.errors) ? EXIT.USAGE : EXIT.FINDINGS;
    const errors = result.ok ? [] : result.errors;
    const summary = result.ok
      ? { workloads: result.policy.spec.workloads.length, segments: result.policy.spec.segments.length, egressRules: result.policy.spec.egress.length }
      : null;
    if (args.string('output') === 'json') {
      process.stdout.write(JSON.stringify({
        file: result.file, valid: result.ok, errors: errors.map(jsonDiagnostic), warnings: result.warnings.map(jsonDiagnostic), summary,
      }, null, 2) + '\n');
      return status;
    }
    const lines = [...errors, ...result.warnings].map(formatDiagnostic);
    if (summary) {
      lines.push(`${result.file}: valid (${summary.workloads} workloads, ${summary.segments} segments, ${summary.egressRules} egress rules, ${result.warnings.length} warnings)`);
    } else {
      lines.push(`${result.file}: ${errors.length} error${errors.length === 1 ? '' : 's'}`);
    }
    process.stdout.write(lines.join('\n') + '\n');
    return status;
  },
};
