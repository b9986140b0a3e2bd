import { echo } from '../canon/echo.js';
import type { ErrorCode } from '../errors.js';

export type FieldPath = readonly (string | number)[];

/** The longest diagnostic message kept (a message quotes values from the file, which can be huge). */
export const MAX_DIAGNOSTIC_MESSAGE = 1024;

export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly code: ErrorCode;
  readonly message: string;
  readonly path: FieldPath;
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** `spec.segments[3].rules[0].paths[1]` */
export function formatFieldPath(path: FieldPath): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? echo(part) : `.${echo(part)}`;
  return out;
}

/** `FILE:LINE:COL: message` for errors, `FILE:LINE:COL: warning: message` for warnings. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}:${d.line}:${d.col}`;
  const field = d.path.length > 0 ? `${formatFieldPath(d.path)}: ` : '';
  return `${where}: ${d.severity === 'warning' ? 'warning: ' : ''}${field}${d.message} [${d.code}]`;
}
