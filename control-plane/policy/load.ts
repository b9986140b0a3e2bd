// Reading a policy: YAML with positions → schema → semantic checks → a Policy plus diagnostics.
import { readFile } from 'node:fs/promises';
import type { Diagnostic } from './diagnostics.js';
import { checkSchema } from './schema.js';
import { PolicySource } from './source.js';
import type { Policy } from './types.js';
import { compilePolicy, type CompileOrigin } from './compile.js';
import type { CompiledPolicy } from './compiled.js';
import { buildPolicy } from './validate.js';

export type LoadResult =
  | { ok: true; policy: Policy; origin: CompileOrigin; warnings: Diagnostic[]; file: string; source: PolicySource }
  | { ok: false; errors: Diagnostic[]; warnings: Diagnostic[]; file: string };

function byPosition(a: Diagnostic, b: Diagnostic): number {
  return a.line - b.line || a.col - b.col;
}

export function parsePolicy(text: string, file: string): LoadResult {
  const { source, data, diags } = PolicySource.parse(text, file);
  if (diags.length > 0) return { ok: false, errors: diags, warnings: [], file };
  const schemaErrors = checkSchema(data).map((i) => {
    const code = i.path.includes('rateLimit') && i.keyword === 'exclusiveMinimum' ? 'MG_ERR_POLICY_RATE_LIMIT' : 'MG_ERR_POLICY_SCHEMA';
    return source.diagnostic('error', code, i.path, i.message, i.atKey);
  });
  let built: ReturnType<typeof buildPolicy> | null = null;
  try {
    built = buildPolicy(data as Record<string, unknown>, source);
  } catch (err) {
    // Only reachable when the schema already failed: semantic checks assume schema-valid types.
    if (schemaErrors.length === 0) throw err;
  }
  const semantic = built?.diags ?? [];
  const errors = [...schemaErrors, ...semantic.filter((d) => d.severity === 'error')].sort(byPosition);
  const warnings = semantic.filter((d) => d.severity === 'warning').sort(byPosition);
  if (!built || errors.length > 0) return { ok: false, errors, warnings, file };
  const origin: CompileOrigin = { file, positionOf: (list, i) => source.position(['spec', list, i]) };
  return { ok: true, policy: built.policy, origin, warnings, file, source };
}

/** The diagnostic for a policy file that cannot be read. */
export function readFailure(file: string, err: unknown): Diagnostic {
  const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
  return { severity: 'error', code: 'MG_ERR_POLICY_READ', message: `cannot read policy: ${reason}`, path: [], file, line: 1, col: 1 };
}

export async function loadPolicyFile(file: string): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, errors: [readFailure(file, err)], warnings: [], file };
  }
  return parsePolicy(text, file);
}

export type CompileResult =
  | { ok: true; compiled: CompiledPolicy; warnings: Diagnostic[] }
  | { ok: false; errors: Diagnostic[]; warnings: Diagnostic[] };

/** Reads, validates and compiles a policy file in one step. */
export async function loadCompiledPolicy(file: string): Promise<CompileResult> {
  const loaded = await loadPolicyFile(file);
  if (!loaded.ok) return loaded;
  return { ok: true, compiled: compilePolicy(loaded.policy, loaded.origin), warnings: loaded.warnings };
}
