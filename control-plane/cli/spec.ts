// One table per command: its flags and positionals with their help text. The same table parses
// the command line and writes `meshguard COMMAND --help`, so the two cannot drift apart.
import { parseArgs } from 'node:util';
import { UsageError } from './args.js';
import { EXIT_CODES_HELP } from './exit.js';

export interface FlagSpec {
  readonly name: string;
  /** Placeholder of the value (FILE, URL, PORT…); absent for a boolean switch. */
  readonly value?: string;
  readonly help: string;
  readonly default?: string;
  readonly required?: boolean;
  /** The accepted values; parsing rejects any other. */
  readonly choices?: readonly string[];
  /** May be given several times (the value is then a list). */
  readonly multiple?: boolean;
}

export interface PositionalSpec {
  readonly name: string;
  readonly help: string;
  /** Takes any number ≥ 1 (FILE…). */
  readonly variadic?: boolean;
}

export interface CommandSpec {
  /** `check`, or `render istio` for a sub-command. */
  readonly name: string;
  /** One line for `meshguard help`. */
  readonly summary: string;
  /** What it does, for `meshguard COMMAND --help`. */
  readonly description: string;
  readonly positionals?: readonly PositionalSpec[];
  readonly flags: readonly FlagSpec[];
  /** Extra paragraphs for --help (input format, examples). */
  readonly details?: string;
  run(args: ParsedArgs): Promise<number>;
}

export type FlagValues = Readonly<Record<string, string | boolean | string[] | undefined>>;

export class ParsedArgs {
  constructor(readonly values: FlagValues, readonly positionals: readonly string[], readonly argv: readonly string[]) {}

  /** A string flag's value (its default when not given); undefined when absent without default. */
  string(name: string): string | undefined {
    const v = this.values[name];
    return typeof v === 'string' ? v : undefined;
  }

  /** A flag marked `required`, or one the command needs in this case. */
  need(name: string): string {
    const v = this.string(name);
    if (v === undefined || v === '') throw new UsageError(`--${name} is required`);
    return v;
  }

  flag(name: string): boolean {
    return this.values[name] === true;
  }

  list(name: string): string[] {
    const v = this.values[name];
    return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
  }

  /** A port number (0-65535), or the fallback when absent. */
  port(name: string, fallback: number): number {
    const v = this.string(name);
    if (v === undefined) return fallback;
    if (!/^[0-9]+$/.test(v) || Number(v) > 65535) throw new UsageError(`--${name} must be a port number (0-65535), not "${v}"`);
    return Number(v);
  }

  /** A port number, `none` (null: that server is not run), or the fallback when absent. */
  portOrNone(name: string, fallback: number): number | null {
    const v = this.string(name);
    if (v === 'none') return null;
    if (v !== undefined && (!/^[0-9]+$/.test(v) || Number(v) > 65535)) throw new UsageError(`--${name} must be a port number (0-65535) or none, not "${v}"`);
    return this.port(name, fallback);
  }
}

export const HELP_FLAG: FlagSpec = { name: 'help', help: 'show this help and exit' };

export function parseCommand(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const f of spec.flags) options[f.name] = { type: f.value === undefined ? 'boolean' : 'string', ...(f.multiple ? { multiple: true } : {}) };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/\. To specify a positional argument.*$/s, '')} (see meshguard ${spec.name} --help)`);
  }
  const values = { ...parsed.values } as Record<string, string | boolean | string[] | undefined>;
  if (values.help === true) return new ParsedArgs(values, parsed.positionals, argv);
  for (const f of spec.flags) {
    if (values[f.name] === undefined && f.default !== undefined) values[f.name] = f.default;
    const v = values[f.name];
    if (f.required && (v === undefined || v === '')) throw new UsageError(`--${f.name} is required (see meshguard ${spec.name} --help)`);
    if (f.choices && typeof v === 'string' && !f.choices.includes(v)) throw new UsageError(`--${f.name} must be one of ${f.choices.join('|')}, not "${v}"`);
  }
  checkPositionals(spec, parsed.positionals);
  return new ParsedArgs(values, parsed.positionals, argv);
}

function checkPositionals(spec: CommandSpec, got: readonly string[]): void {
  const want = spec.positionals ?? [];
  const variadic = want.some((p) => p.variadic);
  const ok = variadic ? got.length >= want.length : got.length === want.length;
  if (ok) return;
  if (want.length === 0) throw new UsageError(`unexpected argument "${got[0]}" (see meshguard ${spec.name} --help)`);
  throw new UsageError(`usage: ${usageLine(spec)}`);
}

function flagUsage(f: FlagSpec): string {
  const text = f.value === undefined ? `--${f.name}` : `--${f.name} ${f.choices ? f.choices.join('|') : f.value}`;
  return f.required ? text : `[${text}]`;
}

/** `meshguard check --policy FILE [--requests FILE|-] …` */
export function usageLine(spec: CommandSpec): string {
  const positionals = (spec.positionals ?? []).map((p) => (p.variadic ? `${p.name}…` : p.name));
  return ['meshguard', spec.name, ...positionals, ...spec.flags.map(flagUsage)].join(' ');
}

function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines.join(`\n${indent}`);
}

/** The --help text: usage, what it does, every positional and flag with its help and default. */
export function helpText(spec: CommandSpec): string {
  const rows: [string, string][] = [
    ...(spec.positionals ?? []).map((p): [string, string] => [p.variadic ? `${p.name}…` : p.name, p.help]),
    ...spec.flags.map((f): [string, string] => [
      f.value === undefined ? `--${f.name}` : `--${f.name} ${f.value}`,
      `${f.help}${f.choices ? ` (${f.choices.join(', ')})` : ''}${f.required ? ' (required)' : ''}${f.default !== undefined ? ` (default: ${f.default})` : ''}`,
    ]),
    [`--${HELP_FLAG.name}`, HELP_FLAG.help],
  ];
  const width = Math.min(28, Math.max(...rows.map(([k]) => k.length)) + 2);
  const indent = ' '.repeat(width + 2);
  const table = rows.map(([k, v]) => `  ${k.length + 2 > width ? `${k}\n${indent}` : k.padEnd(width)}${wrap(v, 100 - width, indent)}`);
  return [
    `usage: ${usageLine(spec)}`, '', wrap(spec.description, 100, ''), '',
    ...(rows.length > 0 ? ['Arguments and options:', ...table, ''] : []),
    ...(spec.details ? [spec.details.trim(), ''] : []),
    EXIT_CODES_HELP, '',
  ].join('\n');
}
