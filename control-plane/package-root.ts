// The installed meshguard package (sources or dist/), so that files it ships (examples, build/wasm,
// the Envoy environment) are found wherever the command runs.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface PackageJson { readonly name?: string; readonly version?: string }

function findPackage(): { root: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
      if (pkg.name === 'meshguard') return { root: dir, version: pkg.version ?? '0.0.0' };
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`meshguard: no package.json of meshguard above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

const found = findPackage();

/** The directory holding meshguard's package.json. */
export const PACKAGE_ROOT = found.root;
/** meshguard's version, from its package.json. */
export const PACKAGE_VERSION = found.version;

/** A path inside the package. */
export function packagePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, ...parts);
}
