// `meshguard audit` as a library: the policy's controls, the manifests' controls, sorted findings.
import { readFile } from 'node:fs/promises';
import { compilePolicy, type CompileOrigin } from '../policy/compile.js';
import type { CompiledPolicy } from '../policy/compiled.js';
import type { Diagnostic } from '../policy/diagnostics.js';
import { parsePolicy } from '../policy/load.js';
import { checkSchema } from '../policy/schema.js';
import { PolicySource } from '../policy/source.js';
import { buildPolicy } from '../policy/validate.js';
import type { Policy } from '../policy/types.js';
import { compareFindings, type Finding, type Location } from './finding.js';
import type { ManifestSet } from './manifests.js';
import { auditPolicy, type PolicyUnderAudit } from './policy-audit.js';
import { auditWorkloadManifest } from './pod-checks.js';
import { auditGeneratedWasm, auditWasmManifest } from './wasm-checks.js';

export interface AuditInput {
  readonly policy: PolicyUnderAudit;
  readonly manifests?: ManifestSet;
  /** Where build/wasm/<name>.wasm.sha256 live, for the generated Istio config; null skips that check. */
  readonly wasmDir?: string | null;
}

export interface AuditReport {
  readonly policyFile: string;
  readonly policyVersion: string;
  readonly findings: readonly Finding[];
  readonly manifestsScanned: number;
  readonly unreadable: readonly { location: Location; reason: string }[];
}

export function runAudit(input: AuditInput): AuditReport {
  const p = input.policy;
  const findings: Finding[] = [...auditPolicy(p)];
  if (input.wasmDir) findings.push(...auditGeneratedWasm(p.compiled, input.wasmDir, p.locate(['metadata', 'name'])));
  for (const m of input.manifests?.manifests ?? []) findings.push(...auditWorkloadManifest(m), ...auditWasmManifest(m));
  return {
    policyFile: p.compiled.file,
    policyVersion: p.compiled.version,
    findings: findings.sort(compareFindings),
    manifestsScanned: input.manifests?.manifests.length ?? 0,
    unreadable: input.manifests?.unreadable ?? [],
  };
}

/** The happy path of policy/load.ts's parsePolicy, keeping its PolicySource (one YAML parse, not two); null when anything is wrong. */
function parseValid(text: string, file: string): { policy: Policy; origin: CompileOrigin; source: PolicySource } | null {
  const { source, data, diags } = PolicySource.parse(text, file);
  if (diags.length > 0 || checkSchema(data).length > 0) return null;
  const built = buildPolicy(data as Record<string, unknown>, source);
  if (built.diags.some((d) => d.severity === 'error')) return null;
  const origin: CompileOrigin = { file, positionOf: (list, i) => source.position(['spec', list, i]) };
  return { policy: built.policy, origin, source };
}

/** A policy as the audit reads it, from its file's text; `compiled` may be given (serve's, with a Kubernetes inventory). */
export function policyUnderAudit(text: string, file: string, compiled?: CompiledPolicy): { ok: true; value: PolicyUnderAudit } | { ok: false; errors: readonly Diagnostic[] } {
  const parsed = parseValid(text, file);
  if (!parsed) {
    // The policy module's own loader says what is wrong, with its codes and positions.
    const loaded = parsePolicy(text, file);
    return { ok: false, errors: loaded.ok ? [{ severity: 'error', code: 'MG_ERR_POLICY_SCHEMA', message: 'the policy could not be read for the audit', path: [], file, line: 1, col: 1 }] : loaded.errors };
  }
  const { policy, origin, source } = parsed;
  return {
    ok: true,
    value: {
      compiled: compiled ?? compilePolicy(policy, origin),
      fileWorkloads: policy.spec.workloads.map((w) => `${w.namespace}/${w.name}`),
      locate: (path, atKey = false) => ({ file, ...source.position(path, atKey) }),
    },
  };
}

export async function loadPolicyUnderAudit(file: string): Promise<ReturnType<typeof policyUnderAudit>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, errors: [{ severity: 'error', code: 'MG_ERR_POLICY_READ', message: `cannot read policy: ${(err as Error).message}`, path: [], file, line: 1, col: 1 }] };
  }
  return policyUnderAudit(text, file);
}
