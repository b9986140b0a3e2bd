// `meshguard audit` as a library: the policy's controls, the manifests' controls, sorted findings.
import { readFile } from 'node:fs/promises';
import { compilePolicy } from '../policy/compile.js';
import type { CompiledPolicy } from '../policy/compiled.js';
import type { Diagnostic } from '../policy/diagnostics.js';
import { parsePolicy, readFailure } from '../policy/load.js';
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

/** A policy as the audit reads it, from its file's text; `compiled` may be given (serve's, with a Kubernetes inventory). */
export function policyUnderAudit(text: string, file: string, compiled?: CompiledPolicy): { ok: true; value: PolicyUnderAudit } | { ok: false; errors: readonly Diagnostic[] } {
  const loaded = parsePolicy(text, file);
  if (!loaded.ok) return { ok: false, errors: loaded.errors };
  const { policy, origin, source } = loaded;
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
    return { ok: false, errors: [readFailure(file, err)] };
  }
  return policyUnderAudit(text, file);
}
