import { it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { differentialCases } from './as-cases.js';
import { runMutation, summary, survivorLines } from './as-run.js';
it('runs', async () => {
  const t0 = Date.now();
  const cases = differentialCases();
  console.log('cases', cases.length, Date.now() - t0);
  const report = await runMutation(cases);
  console.log(summary(report));
  writeFileSync('/tmp/asmut/survivors.txt', survivorLines(report).join('\n') + '\n');
}, 1_800_000);
