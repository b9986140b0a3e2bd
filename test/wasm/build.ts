// Builds the filters with the real build script into a temporary directory, once per test
// process (test files run in parallel and must not race on build/wasm).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
// @ts-expect-error: plain .mjs script without type declarations
import { buildFilter } from '../../scripts/build-wasm.mjs';

export interface BuiltFilter { name: string; file: string; bytes: number; sha256: string; binary: Uint8Array }

let outDir: string | null = null;
const builds = new Map<string, Promise<BuiltFilter>>();

/** A filter of assembly/filters, or (with `entry`) a test module built the same way. */
export function builtFilter(name: string, entry?: string): Promise<BuiltFilter> {
  outDir ??= mkdtempSync(path.join(tmpdir(), 'meshguard-wasm-'));
  let build = builds.get(name);
  if (!build) {
    build = (buildFilter(name, outDir, entry) as Promise<Omit<BuiltFilter, 'binary'>>).then((b) => ({
      ...b,
      binary: new Uint8Array(readFileSync(b.file)),
    }));
    builds.set(name, build);
  }
  return build;
}
