// The static checks, in the suite so that `npm test` (and so CI) runs them: ESLint with
// typescript-eslint over the TypeScript (eslint.config.js), and tsc over the tests as well as the
// code (tsconfig.test.json; the proxy-wasm host package's own tsconfig.test.json).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const bin = (p: string) => path.join(ROOT, 'node_modules', p);

async function status(args: string[], cwd = ROOT): Promise<{ code: number; output: string }> {
  try {
    const r = await run(process.execPath, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, output: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('static checks', () => {
  it('eslint passes (npm run lint)', async () => {
    const r = await status([bin('eslint/bin/eslint.js'), '--max-warnings', '0', '.']);
    expect(r.output).toBe('');
    expect(r.code).toBe(0);
  }, 300_000);

  it('the tests type-check with the code (tsconfig.test.json)', async () => {
    const r = await status([bin('typescript/bin/tsc'), '-p', 'tsconfig.test.json']);
    expect(r.output).toBe('');
    expect(r.code).toBe(0);
  }, 300_000);

  it('the proxy-wasm host package type-checks with its tests', async () => {
    const r = await status([bin('typescript/bin/tsc'), '-p', 'tsconfig.test.json'], path.join(ROOT, 'packages/proxy-wasm-host'));
    expect(r.output).toBe('');
    expect(r.code).toBe(0);
  }, 300_000);
});
