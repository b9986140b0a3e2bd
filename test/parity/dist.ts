// The CLI tests run bin/meshguard, which needs dist/: compile it (npm run build:ts) when the
// replay command is missing there or older than its sources.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repo = (relative: string) => fileURLToPath(new URL(`../../${relative}`, import.meta.url));
const SOURCES = [
  'control-plane/cli/replay.ts', 'control-plane/replay/replay.ts', 'control-plane/cli/main.ts', 'control-plane/filter-config/filter-config.ts',
  'control-plane/serve/policy-worker.ts', 'control-plane/policy/load.ts', 'control-plane/policy/compile.ts',
];

let built: Promise<void> | null = null;

export function ensureDist(): Promise<void> {
  built ??= (async () => {
    const compiled = repo('dist/control-plane/cli/replay.js');
    const stale = !existsSync(compiled) || SOURCES.some((s) => statSync(repo(s)).mtimeMs > statSync(compiled).mtimeMs);
    if (stale) execFileSync(process.execPath, [repo('node_modules/typescript/bin/tsc'), '-p', repo('tsconfig.json')], { stdio: 'inherit' });
  })();
  return built;
}
