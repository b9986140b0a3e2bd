// The benchmark runner (`npm run bench`, or `node dist/bench/run.js [name...]`): runs every
// `bench/*.bench.ts` module in order, prints each one's figures as it finishes and a summary table
// at the end, and writes the results to bench/results/latest.json (merged with the benchmarks
// that were not run this time) so that the README can quote them.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { figureRows, table } from './lib/format.js';
import { describeLoad, machineLoad, type MachineLoad } from './lib/machine.js';
import { targetsMarkdown } from './lib/targets.js';
import { isBenchmark, missingMeasurements, ratioOf, targetMet, type Benchmark, type BenchReport } from './lib/types.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');
const RESULTS = join(REPO, 'bench', 'results', 'latest.json');
const TARGETS = join(REPO, 'docs', 'benchmark-targets.md');

interface Loaded {
  readonly file: string;
  readonly benchmark: Benchmark;
}

interface StoredRun {
  readonly title: string;
  readonly date: string;
  readonly command: string;
  readonly seconds: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly loadBefore: MachineLoad;
  readonly loadAfter: MachineLoad;
  readonly figures: readonly (BenchReport['figures'][number] & { ratio: number | null; met: boolean | null })[];
  readonly notes: readonly string[];
}

interface StoredResults {
  date: string;
  command: string;
  node: string;
  cpu: string;
  cores: number;
  platform: string;
  benchmarks: Record<string, StoredRun>;
}

/** Six significant digits: enough for any figure quoted, without float noise. */
function round(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(6)) : value;
}

function roundOrNull(value: number | null): number | null {
  return value === null ? null : round(value);
}

function commandLine(args: readonly string[]): string {
  if (process.env.npm_lifecycle_event === 'bench') return ['npm run bench', ...(args.length > 0 ? ['--', ...args] : [])].join(' ');
  return ['node', relative(process.cwd(), process.argv[1] ?? 'dist/bench/run.js'), ...args].join(' ');
}

async function discover(): Promise<Loaded[]> {
  const files = (await readdir(HERE)).filter((f) => f.endsWith('.bench.js')).sort();
  const loaded: Loaded[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(HERE, file)).href)) as Record<string, unknown>;
    if (!isBenchmark(mod.benchmark)) throw new Error(`${file} does not export \`benchmark\` (name, title, run)`);
    loaded.push({ file, benchmark: mod.benchmark });
  }
  const order = (b: Benchmark) => b.order ?? Number.MAX_SAFE_INTEGER;
  return loaded.sort((a, b) => order(a.benchmark) - order(b.benchmark) || a.benchmark.name.localeCompare(b.benchmark.name));
}

function select(all: readonly Loaded[], names: readonly string[]): Loaded[] {
  if (names.length === 0) return [...all];
  return names.map((name) => {
    const found = all.find((l) => l.benchmark.name === name || l.file === `${name}.bench.js`);
    if (!found) throw new Error(`no benchmark named "${name}" (have: ${all.map((l) => l.benchmark.name).join(', ')})`);
    return found;
  });
}

async function readStored(): Promise<Record<string, StoredRun>> {
  try {
    const parsed = JSON.parse(await readFile(RESULTS, 'utf8')) as Partial<StoredResults>;
    return parsed.benchmarks ?? {};
  } catch {
    return {};
  }
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv.includes('--list')) {
    const all = await discover();
    process.stdout.write(`usage: node dist/bench/run.js [name...]\n\n${all.map((l) => `  ${l.benchmark.name.padEnd(10)} ${l.benchmark.title}`).join('\n')}\n`);
    return 0;
  }
  const names = argv.filter((a) => !a.startsWith('-'));
  let chosen: Loaded[];
  try {
    chosen = select(await discover(), names);
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    return 2;
  }
  const command = commandLine(argv);
  const cpu = cpus()[0]?.model ?? 'unknown';
  const header = `command: ${command}\nnode ${process.version}, ${cpu} × ${cpus().length} cores, ${process.platform} ${process.arch}, ${new Date().toISOString()}`;
  process.stdout.write(`${header}\n`);

  const stored = await readStored();
  const summary: string[][] = [['benchmark', 'figure', 'value', 'target', 'ratio to baseline']];
  let failed = 0;
  for (const { benchmark } of chosen) {
    process.stdout.write(`\n=== ${benchmark.name}: ${benchmark.title}\n`);
    const started = performance.now();
    const date = new Date().toISOString();
    const loadBefore = machineLoad();
    process.stdout.write(`  machine before: ${describeLoad(loadBefore)}\n`);
    try {
      const report = await benchmark.run({ command, log: (line) => process.stdout.write(`  ${line}\n`) });
      const missing = missingMeasurements(report);
      if (missing.length > 0) throw new Error(`missing measurements (a figure that was not measured fails the run):\n    ${missing.join('\n    ')}`);
      const seconds = (performance.now() - started) / 1000;
      const loadAfter = machineLoad();
      process.stdout.write(`\n${table([['figure', 'value', 'target', 'ratio to baseline'], ...figureRows(report.figures)])}\n`);
      for (const note of report.notes) process.stdout.write(`  note: ${note}\n`);
      process.stdout.write(`  machine after: ${describeLoad(loadAfter)}\n`);
      process.stdout.write(`  (${benchmark.name}: ${seconds.toFixed(1)} s; command: ${command})\n`);
      summary.push(...figureRows(report.figures, [benchmark.name]));
      stored[benchmark.name] = {
        title: benchmark.title, date, command, seconds: Number(seconds.toFixed(2)), ok: true, loadBefore, loadAfter, notes: report.notes,
        figures: report.figures.map((f) => ({ ...f, value: round(f.value), ...(f.baseline ? { baseline: { ...f.baseline, value: round(f.baseline.value) } } : {}), ratio: roundOrNull(ratioOf(f)), met: targetMet(f) })),
      };
    } catch (err) {
      failed++;
      const message = err instanceof Error ? err.stack ?? err.message : String(err);
      process.stdout.write(`  FAILED: ${message}\n`);
      summary.push([benchmark.name, 'FAILED', (err as Error).message ?? String(err), '', '']);
      stored[benchmark.name] = { title: benchmark.title, date, command, seconds: 0, ok: false, loadBefore, loadAfter: machineLoad(), error: String((err as Error).message ?? err), figures: [], notes: [] };
    }
  }

  process.stdout.write(`\n=== summary\n${header}\n\n${table(summary)}\n`);
  const results: StoredResults = {
    date: new Date().toISOString(), command, node: process.version, cpu, cores: cpus().length,
    platform: `${process.platform} ${process.arch}`, benchmarks: stored,
  };
  await mkdir(dirname(RESULTS), { recursive: true });
  await writeFile(RESULTS, JSON.stringify(results, null, 2) + '\n');
  await writeFile(TARGETS, targetsMarkdown(stored));
  process.stdout.write(`\nresults written to ${relative(process.cwd(), RESULTS)}; targets to ${relative(process.cwd(), TARGETS)}\n`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
