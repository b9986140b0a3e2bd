// Mutation testing of the AssemblyScript decision code (issue 14): every Stryker mutant of the two
// filters' decide.ts and the libraries their decisions read (as-run.ts SCOPE), each run on the
// differential cases against the TypeScript twins (as-cases.ts). The score must be at least 85%.
// One asc build holds every mutant behind a switch (as-mutants.ts), so the run takes one to two
// minutes; docs/mutation.md has the command, the scope and the recorded scores.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { differentialCases } from './as-cases.js';
import { root } from './as-mutants.js';
import { runMutation, summary, survivorLines, type RunReport } from './as-run.js';

const TARGET = 85;

function writeReport(report: RunReport): string {
  const dir = path.join(root, 'reports', 'mutation');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'assembly.json');
  writeFileSync(file, JSON.stringify({
    files: report.files, total: report.total, cases: report.cases, compiles: report.compiles, seconds: report.seconds, equivalentUnmatched: report.equivalentUnmatched,
    mutants: report.results.map(({ mutant: m, status, detail }) => ({ file: m.file, line: m.line, column: m.column, mutator: m.mutator, original: m.original, replacement: m.replacement, status, detail })),
  }, null, 1));
  return path.relative(root, file);
}

describe('mutation score of the AssemblyScript decision code', () => {
  it(`kills at least ${TARGET}% of the mutants that compile`, async () => {
    const report = await runMutation(differentialCases());
    const written = writeReport(report);
    console.log(`${summary(report)}\nreport: ${written}`);
    const survivors = survivorLines(report);
    expect(report.total.score, `mutation score ${report.total.score.toFixed(1)}% < ${TARGET}%; ${survivors.length} survivors:\n${survivors.join('\n')}`).toBeGreaterThanOrEqual(TARGET);
    // Without the EQUIVALENT list too: the target does not rest on the equivalence claims.
    expect(report.total.rawScore, `score counting the listed equivalent mutants as survivors: ${report.total.rawScore.toFixed(1)}%`).toBeGreaterThanOrEqual(TARGET);
    expect(report.equivalentKilled, 'mutants listed as equivalent (as-run.ts EQUIVALENT) that a case kills: the claim is wrong, or the file changed and the line now names another mutant; fix the list').toEqual([]);
    // Every file of the scope has mutants and compiled them: a scope that silently lost a file would pass.
    for (const f of report.files) expect(f.killed + f.survived, f.file).toBeGreaterThan(20);
  }, 900_000);
});
