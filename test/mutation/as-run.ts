// Runs each mutant of the AssemblyScript decision code (as-mutants.ts) on the differential cases
// (as-cases.ts) and scores the run as Stryker does: killed (a case differs from the TypeScript
// twin, or the module traps: out of fuel, out of bounds) over killed + survived; mutants that do
// not compile are left out.
import { instantiateHarness } from '../wasm/harness.js';
import { buildSchema, functionLines, generateMutants, type AsMutant } from './as-mutants.js';
import type { DiffCase } from './as-cases.js';

/** The decision code: both filters' decide.ts and the libraries their decisions read. */
export const SCOPE = [
  'assembly/filters/identity/decide.ts',
  'assembly/filters/egress/decide.ts',
  'assembly/lib/spiffe.ts',
  'assembly/lib/path.ts',
  'assembly/lib/pattern.ts',
  'assembly/lib/host.ts',
  'assembly/lib/ip.ts',
  'assembly/lib/cidr.ts',
  'assembly/lib/dns_tunnel.ts',
];

/** Loop iterations one case may take in the mutated files (a real case takes a few thousand). */
const FUEL = 1_000_000;

export type Status = 'killed' | 'survived' | 'compile-error' | 'not-a-decision' | 'equivalent';

/**
 * Mutants outside the decision: message text. The functions that only word a result for logs
 * (pathErrorText, dnsFindingText), and the texts of host rejections and CIDR errors (a decision
 * reads only that the host or block was rejected; replay and check word the reason in TypeScript;
 * a CIDR error rejects the configuration).
 */
const MESSAGE_FUNCTIONS: Readonly<Record<string, readonly string[]>> = {
  'assembly/lib/path.ts': ['pathErrorText'],
  'assembly/lib/dns_tunnel.ts': ['dnsFindingText'],
};
const MESSAGE_STRINGS = new Set(['assembly/lib/host.ts', 'assembly/lib/cidr.ts']);

/** Mutants that cannot change any answer, each with why: file, line, original → replacement. */
export const EQUIVALENT: ReadonlyArray<{ file: string; line: number; original: string; replacement: string; why: string }> = [];

function outsideDecision(m: AsMutant): string | null {
  const fns = MESSAGE_FUNCTIONS[m.file];
  if (fns && fns.some((f) => { const [a, b] = functionLines(m.file, f); return m.line >= a && m.line <= b; })) return 'message text (a function that words a result for logs)';
  if (MESSAGE_STRINGS.has(m.file) && m.mutator === 'StringLiteral') return 'message text (a rejection or configuration error; no decision reads it)';
  return null;
}

export interface MutantResult {
  readonly mutant: AsMutant;
  readonly status: Status;
  /** The first case that told the mutant apart, or the compile error. */
  readonly detail: string;
}

export interface FileScore {
  readonly file: string;
  readonly killed: number;
  readonly survived: number;
  readonly compileErrors: number;
  /** Message text and equivalent mutants, left out of the score with a reason each. */
  readonly excluded: number;
  /** killed / (killed + survived), in percent. */
  readonly score: number;
}

export interface RunReport {
  readonly results: readonly MutantResult[];
  readonly files: readonly FileScore[];
  readonly total: FileScore;
  readonly cases: number;
  readonly compiles: number;
  readonly seconds: { readonly build: number; readonly run: number };
}

/** The first case on which the module, with mutant `id` switched on, differs from its twin; null when none does. */
export function firstDifference(module: WebAssembly.Module, id: number, cases: readonly DiffCase[], pins: readonly unknown[]): string | null {
  let instance: ReturnType<typeof instantiateHarness>;
  try {
    instance = instantiateHarness(module, { mutation: { id } });
  } catch (e) {
    return `instantiation traps: ${(e as Error).message}`;
  }
  const reset = instance.exports.__resetFuel as (n: number) => void;
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i]!;
    reset(FUEL);
    let got: unknown;
    try {
      got = c.run(instance.harness);
    } catch (e) {
      return `${c.what}: traps (${(e as Error).message.slice(0, 100)})`;
    }
    let pinned: unknown;
    if (c.pinned && Array.isArray(got)) [got, pinned] = got as [unknown, unknown];
    const a = JSON.stringify(got);
    const b = JSON.stringify(c.expected);
    if (a !== b) return `${c.what}: ${a} where the twin gives ${b}`;
    if (c.pinned && JSON.stringify(pinned) !== JSON.stringify(pins[i])) return `${c.what}: reason ${JSON.stringify(pinned)} where the unmutated filter gives ${JSON.stringify(pins[i])}`;
  }
  return null;
}

/** The pinned parts of the unmutated build's answers (DiffCase.pinned). */
function pinsOf(module: WebAssembly.Module, cases: readonly DiffCase[]): unknown[] {
  const { harness, exports } = instantiateHarness(module, { mutation: { id: -1 } });
  return cases.map((c) => {
    (exports.__resetFuel as (n: number) => void)(FUEL);
    const got = c.pinned ? c.run(harness) : null;
    return Array.isArray(got) ? got[1] : null;
  });
}

function score(file: string, results: readonly MutantResult[]): FileScore {
  const count = (s: Status) => results.filter((r) => r.status === s).length;
  const killed = count('killed');
  const survived = count('survived');
  return { file, killed, survived, compileErrors: count('compile-error'), excluded: count('not-a-decision') + count('equivalent'), score: killed + survived === 0 ? 100 : (100 * killed) / (killed + survived) };
}

/** The whole run: mutants, one build, every mutant on the cases. */
export async function runMutation(cases: readonly DiffCase[], files: readonly string[] = SCOPE): Promise<RunReport> {
  const t0 = performance.now();
  const mutants = await generateMutants(files);
  const build = await buildSchema(mutants, files);
  const pins = pinsOf(build.module, cases);
  const baseline = firstDifference(build.module, -1, cases, pins);
  if (baseline !== null) throw new Error(`the unmutated build already differs from the TypeScript twins: ${baseline}`);
  const t1 = performance.now();
  const results: MutantResult[] = mutants.map((m) => {
    if (m.compileError !== undefined) return { mutant: m, status: 'compile-error', detail: m.compileError };
    const outside = outsideDecision(m);
    if (outside !== null) return { mutant: m, status: 'not-a-decision', detail: outside };
    const equivalent = EQUIVALENT.find((e) => e.file === m.file && e.line === m.line && e.original === m.original && e.replacement === m.replacement);
    if (equivalent) return { mutant: m, status: 'equivalent', detail: equivalent.why };
    const alone = build.isolated.get(m.id);
    const difference = firstDifference(alone ?? build.module, alone ? -1 : m.id, cases, pins);
    return { mutant: m, status: difference === null ? 'survived' : 'killed', detail: difference ?? '' };
  });
  const t2 = performance.now();
  return {
    results,
    files: files.map((f) => score(f, results.filter((r) => r.mutant.file === f))),
    total: score('total', results),
    cases: cases.length,
    compiles: build.compiles,
    seconds: { build: (t1 - t0) / 1000, run: (t2 - t1) / 1000 },
  };
}

/** One line per survivor: file:line:column, original → replacement. */
export function survivorLines(report: RunReport): string[] {
  const oneLine = (s: string) => s.replace(/\s+/g, ' ').slice(0, 90);
  return report.results.filter((r) => r.status === 'survived')
    .map(({ mutant: m }) => `${m.file}:${m.line}:${m.column} ${m.mutator}: ${oneLine(m.original)} → ${oneLine(m.replacement)}`);
}

export function summary(report: RunReport): string {
  const row = (s: FileScore) => `${s.file.padEnd(38)} ${String(s.killed).padStart(6)} ${String(s.survived).padStart(8)} ${String(s.compileErrors).padStart(13)} ${String(s.excluded).padStart(8)} ${s.score.toFixed(1).padStart(6)}%`;
  return [
    `${'file'.padEnd(38)} killed survived compile-error excluded  score`,
    ...report.files.map(row), row(report.total),
    `${report.cases} differential cases, ${report.compiles} asc compiles; build ${report.seconds.build.toFixed(1)} s, mutants ${report.seconds.run.toFixed(1)} s`,
  ].join('\n');
}
