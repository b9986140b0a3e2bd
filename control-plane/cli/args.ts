// Argument parsing for the commands: node's parseArgs with usage errors as exit code 2.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parse(argv: string[], options: Options, allowPositionals = false): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals, strict: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function required(values: Record<string, string | boolean | undefined>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

/** A port, or `none` (null): the server is off. */
export function portOrNoneOption(values: Record<string, string | boolean | undefined>, name: string, fallback: number): number | null {
  if (values[name] === 'none') return null;
  try {
    return portOption(values, name, fallback);
  } catch {
    throw new UsageError(`--${name} must be a port number (0-65535) or none`);
  }
}

export function portOption(values: Record<string, string | boolean | undefined>, name: string, fallback: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !/^[0-9]+$/.test(v) || n > 65535) throw new UsageError(`--${name} must be a port number (0-65535)`);
  return n;
}
