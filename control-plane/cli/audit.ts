// `meshguard audit --policy FILE [--manifests DIR] [--format table|json|sarif] [--fail-on SEVERITY]`:
// compliance findings over the policy and Kubernetes manifests. Exit 1 when a finding is at or
// above --fail-on (never without it) or the policy is invalid, 2 when it cannot be read.
import { stat } from 'node:fs/promises';
import { atOrAbove } from '../compliance/finding.js';
import { isSeverity, SEVERITIES } from '../compliance/controls.js';
import { loadPolicyUnderAudit, runAudit } from '../compliance/audit.js';
import { formatJson, formatLocation, formatTable } from '../compliance/format.js';
import { loadManifests } from '../compliance/manifests.js';
import { formatSarif, sarifFailure } from '../compliance/sarif.js';
import { PACKAGE_VERSION } from '../package-root.js';
import { formatDiagnostic, formatFieldPath } from '../policy/diagnostics.js';
import { DEFAULT_RENDER_OPTIONS } from '../istio/types.js';
import { UsageError } from './args.js';
import { POLICY_FLAG } from './check.js';
import { EXIT } from './exit.js';
import { unreadable } from './policy.js';
import type { CommandSpec } from './spec.js';

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export const command: CommandSpec = {
  name: 'audit',
  summary: 'compliance findings (table, JSON, SARIF) with NIST/CIS references',
  description: 'Compliance findings over the policy (and the Kubernetes manifests of a directory) with NIST SP 800-190 and CIS references.',
  flags: [
    POLICY_FLAG,
    { name: 'manifests', value: 'DIR', help: 'Kubernetes YAML manifests to check too (every *.yaml/*.yml below DIR)' },
    { name: 'format', value: 'FORMAT', choices: ['table', 'json', 'sarif'], default: 'table', help: 'table for people, json, or SARIF 2.1.0 for code scanning; with sarif a policy that cannot be audited still gives a SARIF log (executionSuccessful: false)' },
    { name: 'fail-on', value: 'SEVERITY', choices: SEVERITIES, help: 'exit 1 when a finding is at or above this severity (never without it)' },
    { name: 'wasm-dir', value: 'DIR', default: DEFAULT_RENDER_OPTIONS.wasmDir, help: "where the built filters and their .sha256 files are, for the check of what render istio would emit (default: the package's build/wasm)" },
  ],
  async run(args) {
    const format = args.need('format');
    const failOn = args.string('fail-on');
    if (failOn !== undefined && !isSeverity(failOn)) throw new UsageError(`--fail-on must be one of ${SEVERITIES.join('|')}`);
    const manifestsDir = args.string('manifests') ?? null;
    if (manifestsDir !== null && !(await isDirectory(manifestsDir))) throw new UsageError(`--manifests ${manifestsDir} is not a directory`);
    const loaded = await loadPolicyUnderAudit(args.need('policy'));
    if (!loaded.ok) {
      for (const e of loaded.errors) process.stderr.write(formatDiagnostic(e) + '\n');
      if (format === 'sarif') {
        const problems = loaded.errors.map((e) => ({ ...e, message: `${e.path.length > 0 ? `${formatFieldPath(e.path)}: ` : ''}${e.message} [${e.code}]` }));
        process.stdout.write(sarifFailure(problems, PACKAGE_VERSION));
      }
      return unreadable(loaded.errors) ? EXIT.USAGE : EXIT.FINDINGS;
    }
    const manifests = manifestsDir === null ? undefined : await loadManifests(manifestsDir);
    const report = runAudit({ policy: loaded.value, manifests, wasmDir: args.need('wasm-dir') });
    for (const u of report.unreadable) process.stderr.write(`meshguard audit: ${formatLocation(u.location)}: ${u.reason}\n`);
    process.stdout.write(format === 'sarif' ? formatSarif(report, PACKAGE_VERSION) : format === 'json' ? formatJson(report, PACKAGE_VERSION) : formatTable(report));
    return failOn !== undefined && atOrAbove(report.findings, failOn).length > 0 ? EXIT.FINDINGS : EXIT.OK;
  },
};
