// Runs each mutant of the AssemblyScript decision code (as-mutants.ts) on the differential cases
// (as-cases.ts) and scores the run as Stryker does: killed (a case differs from the TypeScript
// twin, or the module traps: out of fuel, out of bounds) over killed + survived; mutants that do
// not compile are left out.
import { instantiateHarness } from '../wasm/harness.js';
import { buildSchema, generateMutants, type AsMutant } from './as-mutants.js';
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

export type Status = 'killed' | 'survived' | 'compile-error';

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
export function firstDifference(module: WebAssembly.Module, id: number, cases: readonly DiffCase[]): string | null {
  let instance: ReturnType<typeof instantiateHarness>;
  try {
    instance = instantiateHarness(module, { mutation: { id } });
  } catch (e) {
    return `instantiation traps: ${(e as Error).message}`;
  }
  const reset = instance.exports.__resetFuel as (n: number) => void;
  for (const c of cases) {
    reset(FUEL);
    let got: unknown;
    try {
      got = c.run(instance.harness);
    } catch (e) {
      return `${c.what}: traps (${(e as Error).message.slice(0, 100)})`;
    }
    const a = JSON.stringify(got);
    const b = JSON.stringify(c.expected);
    if (a !== b) return `${c.what}: ${a} where the twin gives ${b}`;
  }
  return null;
}

function score(file: string, results: readonly MutantResult[]): FileScore {
  const count = (s: Status) => results.filter((r) => r.status === s).length;
  const killed = count('killed');
  const survived = count('survived');
  return { file, killed, survived, compileErrors: count('compile-error'), score: killed + survived === 0 ? 100 : (100 * killed) / (killed + survived) };
}

/** The whole run: mutants, one build, every mutant on the cases. */
export async function runMutation(cases: readonly DiffCase[], files: readonly string[] = SCOPE): Promise<RunReport> {
  const t0 = performance.now();
  const mutants = await generateMutants(files);
  const build = await buildSchema(mutants, files);
  const baseline = cases.map((c) => firstDifference(build.module, -1, [c])).filter((d) => d !== null);
  if (baseline.length > 0) throw new Error(`the unmutated build already differs from the TypeScript twins:\n${baseline.slice(0, 30).join('\n')}`);
  const t1 = performance.now();
  const results: MutantResult[] = mutants.map((m) => {
    if (m.compileError !== undefined) return { mutant: m, status: 'compile-error', detail: m.compileError };
    const alone = build.isolated.get(m.id);
    const difference = firstDifference(alone ?? build.module, alone ? -1 : m.id, cases);
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
  const row = (s: FileScore) => `${s.file.padEnd(38)} ${String(s.killed).padStart(5)} ${String(s.survived).padStart(8)} ${String(s.compileErrors).padStart(13)} ${s.score.toFixed(1).padStart(6)}%`;
  return [
    `${'file'.padEnd(38)} ${'killed'.padStart(5)} survived compile-error  score`,
    ...report.files.map(row), row(report.total),
    `${report.cases} differential cases, ${report.compiles} asc compiles; build ${report.seconds.build.toFixed(1)} s, mutants ${report.seconds.run.toFixed(1)} s`,
  ].join('\n');
}
