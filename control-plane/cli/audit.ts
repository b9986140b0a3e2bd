// `meshguard audit --policy FILE [--manifests DIR] [--format table|json|sarif] [--fail-on SEVERITY]`:
// compliance findings over the policy and Kubernetes manifests. Exit 1 when a finding is at or
// above --fail-on (never without it), 2 on usage errors or an invalid policy.
import { stat } from 'node:fs/promises';
import { atOrAbove } from '../compliance/finding.js';
import { isSeverity, SEVERITIES } from '../compliance/controls.js';
import { loadPolicyUnderAudit, runAudit } from '../compliance/audit.js';
import { formatJson, formatLocation, formatTable } from '../compliance/format.js';
import { loadManifests } from '../compliance/manifests.js';
import { formatSarif } from '../compliance/sarif.js';
import { PACKAGE_VERSION } from '../package-root.js';
import { formatDiagnostic } from '../policy/diagnostics.js';
import { DEFAULT_RENDER_OPTIONS } from '../istio/types.js';
import { parse, required, UsageError } from './args.js';

const FORMATS = ['table', 'json', 'sarif'] as const;

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export async function auditCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    policy: { type: 'string' }, manifests: { type: 'string' }, format: { type: 'string', default: 'table' },
    'fail-on': { type: 'string' }, 'wasm-dir': { type: 'string', default: DEFAULT_RENDER_OPTIONS.wasmDir },
  });
  const format = values.format as string;
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join('|')}`);
  const failOn = values['fail-on'];
  if (failOn !== undefined && !isSeverity(failOn)) throw new UsageError(`--fail-on must be one of ${SEVERITIES.join('|')}`);
  const manifestsDir = typeof values.manifests === 'string' ? values.manifests : null;
  if (manifestsDir !== null && !(await isDirectory(manifestsDir))) throw new UsageError(`--manifests ${manifestsDir} is not a directory`);

  const loaded = await loadPolicyUnderAudit(required(values, 'policy'));
  if (!loaded.ok) {
    for (const e of loaded.errors) process.stderr.write(formatDiagnostic(e) + '\n');
    return 2;
  }
  const manifests = manifestsDir === null ? undefined : await loadManifests(manifestsDir);
  const report = runAudit({ policy: loaded.value, manifests, wasmDir: values['wasm-dir'] as string });
  for (const u of report.unreadable) process.stderr.write(`meshguard audit: ${formatLocation(u.location)}: ${u.reason}\n`);
  const version = PACKAGE_VERSION;
  process.stdout.write(format === 'sarif' ? formatSarif(report, version) : format === 'json' ? formatJson(report, version) : formatTable(report));
  return failOn !== undefined && atOrAbove(report.findings, failOn).length > 0 ? 1 : 0;
}
