// `meshguard validate FILE`: schema and semantic checks, each problem as FILE:LINE:COL.
import { formatDiagnostic } from '../policy/diagnostics.js';
import { loadPolicyFile } from '../policy/load.js';
import { parse, UsageError } from './args.js';

export async function validateCommand(argv: string[]): Promise<number> {
  const { positionals } = parse(argv, {}, true);
  if (positionals.length !== 1) throw new UsageError('usage: meshguard validate FILE');
  const result = await loadPolicyFile(positionals[0]!);
  const lines = [...(result.ok ? [] : result.errors), ...result.warnings].map(formatDiagnostic);
  if (result.ok) {
    const s = result.policy.spec;
    lines.push(`${result.file}: valid (${s.workloads.length} workloads, ${s.segments.length} segments, ${s.egress.length} egress rules, ${result.warnings.length} warnings)`);
  } else {
    lines.push(`${result.file}: ${result.errors.length} error${result.errors.length === 1 ? '' : 's'}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  return result.ok ? 0 : 1;
}
