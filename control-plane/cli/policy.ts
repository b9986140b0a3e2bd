// Loading the policy a command works on, with the exit-status contract: a policy file that
// cannot be read is an I/O error (2), an invalid one is 1. Diagnostics go to stderr.
import { formatDiagnostic } from '../policy/diagnostics.js';
import { loadCompiledPolicy } from '../policy/load.js';
import type { CompiledPolicy } from '../policy/compiled.js';
import { EXIT } from './exit.js';

export type Loaded = { readonly ok: true; readonly compiled: CompiledPolicy } | { readonly ok: false; readonly status: number };

export async function loadPolicyForCommand(file: string, opts: { readonly warnings?: boolean } = {}): Promise<Loaded> {
  const loaded = await loadCompiledPolicy(file);
  if (opts.warnings !== false) for (const w of loaded.warnings) process.stderr.write(formatDiagnostic(w) + '\n');
  if (loaded.ok) return { ok: true, compiled: loaded.compiled };
  for (const e of loaded.errors) process.stderr.write(formatDiagnostic(e) + '\n');
  return { ok: false, status: unreadable(loaded.errors) ? EXIT.USAGE : EXIT.FINDINGS };
}

/** The only problem is that the file could not be read. */
export function unreadable(errors: readonly { readonly code: string }[]): boolean {
  return errors.length > 0 && errors.every((e) => e.code === 'MG_ERR_POLICY_READ');
}
