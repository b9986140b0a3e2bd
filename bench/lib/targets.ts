// docs/benchmark-targets.md: every figure that has a target, with its value, the target and whether
// it was met, from bench/results/latest.json. The runner rewrites it after every run, so the table
// always says what the recorded results say, misses included.
import { formatNumber } from './format.js';

export interface RecordedFigure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target?: { readonly op: '>=' | '<='; readonly value: number };
  readonly baseline?: { readonly name: string; readonly value: number };
  readonly ratio?: number | null;
  readonly met?: boolean | null;
}

export interface RecordedRun {
  readonly date: string;
  readonly command: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly loadBefore?: { readonly load1: number } | null;
  readonly figures: readonly RecordedFigure[];
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function targetsMarkdown(benchmarks: Readonly<Record<string, RecordedRun>>): string {
  const lines = [
    '# Benchmark targets',
    '',
    '<!-- Written by the benchmark runner (bench/run.ts) from bench/results/latest.json after every run; do not edit. -->',
    '',
    'Every figure that has a target, as last recorded, with whether it was met. Each benchmark',
    'records its own run (date, command, machine load); figures from different runs are not',
    'comparable with one another, only with the baseline measured in the same run.',
    '',
    '| benchmark | figure | value | target | met | baseline in the same run | run |',
    '|---|---|---|---|---|---|---|',
  ];
  let met = 0;
  let missed = 0;
  for (const [name, run] of Object.entries(benchmarks).sort(([a], [b]) => a.localeCompare(b))) {
    const when = `${run.date.slice(0, 10)}${run.loadBefore ? `, load ${run.loadBefore.load1.toFixed(1)}` : ''}`;
    if (!run.ok) {
      lines.push(`| ${name} | FAILED: ${cell(run.error ?? 'no figures')} | | | | | ${when} |`);
      continue;
    }
    for (const f of run.figures) {
      if (!f.target) continue;
      const ok = f.met === true;
      if (ok) met++;
      else missed++;
      const baseline = f.baseline ? `${cell(f.baseline.name)} ${formatNumber(f.baseline.value)}${f.ratio != null ? ` (${f.ratio.toPrecision(3)}×)` : ''}` : '';
      lines.push(`| ${name} | ${cell(f.name)} | ${formatNumber(f.value)} ${f.unit} | ${f.target.op === '>=' ? '≥' : '≤'} ${formatNumber(f.target.value)} | ${ok ? 'met' : '**MISSED**'} | ${baseline} | ${when} |`);
    }
  }
  lines.push('', `${met} met, ${missed} missed. Commands: \`node dist/bench/run.js <benchmark>\`.`, '');
  return lines.join('\n');
}
