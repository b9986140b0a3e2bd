// Compiles AssemblyScript test filters with the real asc (assemblyscript 0.28) at test time.
// Outputs are cached in the OS temp dir by a hash of the sources and flags.

import asc from 'assemblyscript/asc';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** This package's root: asc's base directory (node_modules are looked up from here, upwards). */
export const PACKAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = path.join(PACKAGE, 'test/fixtures');
const SHIM_DIR = path.join(FIXTURES, 'as-lib');
const CACHE = path.join(tmpdir(), 'meshguard-wasm-host-fixtures');

export interface BuildOptions {
  /** Add the fixtures' process.stdout shim (the G-Core SDK logs through it). */
  readonly shim?: boolean;
  /** asc --use aliases, e.g. "abort=abort_proc_exit". */
  readonly use?: readonly string[];
  /** asc --exportStart (e.g. "_initialize"); default: AS's implicit start section. */
  readonly exportStart?: string;
  /** Keep debug info (the name section) for backtraces. */
  readonly debug?: boolean;
  readonly optimize?: boolean;
}

function argv(entry: string, out: string, o: BuildOptions): string[] {
  const args = [entry, '-o', out, '--baseDir', PACKAGE];
  // The shim's file, absolute: asc lists a --lib folder under --baseDir but reads its files from the
  // working directory, which differs when the tests run from the repository root.
  if (o.shim) args.push('--lib', path.join(SHIM_DIR, 'wasi_process.ts'), '--use', 'process=wasi_process');
  for (const u of o.use ?? []) args.push('--use', u);
  if (o.exportStart) args.push('--exportStart', o.exportStart);
  if (o.debug) args.push('--debug');
  if (o.optimize) args.push('-O3');
  return args;
}

/** The package.json of an installed package, wherever npm (workspaces) put it. */
function installed(pkg: string): string {
  for (let dir = PACKAGE; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'node_modules', pkg, 'package.json');
    if (existsSync(file)) return file;
    if (path.dirname(dir) === dir) throw new Error(`${pkg} is not installed above ${PACKAGE}`);
  }
}

async function cacheKey(sources: readonly string[], args: readonly string[]): Promise<string> {
  const h = createHash('sha256');
  h.update(JSON.stringify(args));
  for (const pkg of ['assemblyscript', '@gcoredev/proxy-wasm-sdk-as']) {
    h.update(await readFile(installed(pkg)));
  }
  for (const file of sources) h.update(await readFile(file));
  h.update(await readFile(path.join(SHIM_DIR, 'wasi_process.ts')));
  return h.digest('hex').slice(0, 24);
}

/** Builds fixtures/<file> and returns the wasm bytes. */
export function buildFixture(file: string, options: BuildOptions = {}): Promise<Uint8Array> {
  return buildSource(path.join(FIXTURES, file), options);
}

/**
 * Builds an AssemblyScript entry file (absolute path) and returns the wasm bytes. The cache key
 * covers every .ts file in the entry's folder, so modules may import helpers next to them.
 */
export async function buildSource(file: string, options: BuildOptions = {}): Promise<Uint8Array> {
  const entry = path.relative(PACKAGE, file);
  const dir = path.dirname(file);
  const sources = (await readdir(dir)).filter((f) => f.endsWith('.ts')).sort().map((f) => path.join(dir, f));
  const key = await cacheKey(sources, argv(entry, 'out.wasm', options));
  const cached = path.join(CACHE, `${path.basename(file, '.ts')}-${key}.wasm`);
  try {
    return new Uint8Array(await readFile(cached));
  } catch {
    // not built yet
  }
  await mkdir(CACHE, { recursive: true });
  const tmp = `${cached}.${process.pid}.tmp`;
  const result = await asc.main(argv(entry, tmp, options));
  if (result.error) {
    throw new Error(`asc failed for ${entry}: ${result.error.message}\n${result.stderr.toString()}`);
  }
  await rename(tmp, cached);
  return new Uint8Array(await readFile(cached));
}

/** The import names ("module.name") of a compiled module. */
export function importNames(bytes: Uint8Array): string[] {
  const m = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  return WebAssembly.Module.imports(m).map((i) => `${i.module}.${i.name}`);
}

export async function writeTemp(name: string, bytes: Uint8Array): Promise<string> {
  await mkdir(CACHE, { recursive: true });
  const file = path.join(CACHE, name);
  await writeFile(file, bytes);
  return file;
}
