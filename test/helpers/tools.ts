// External tools some suites need (helm, promtool): found, or the suite is skipped — unless its
// MESHGUARD_REQUIRE_* flag is set (.ci/run sets them), which makes a missing tool a failure.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Tool {
  readonly name: string;
  readonly path: string | null;
  /** MESHGUARD_REQUIRE_<NAME>=1: a missing tool fails the suite instead of skipping it. */
  readonly required: boolean;
  readonly install: string;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `MESHGUARD_<NAME>`, else the project's .tools/bin, else PATH. */
export function findTool(name: string, install: string): Tool {
  const env = process.env[`MESHGUARD_${name.toUpperCase()}`];
  const local = fileURLToPath(new URL(`../../.tools/bin/${name}`, import.meta.url));
  const candidates = [env, local, ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, name))];
  const path = candidates.find((c): c is string => c !== undefined && c !== '' && executable(c)) ?? null;
  return { name, path, required: process.env[`MESHGUARD_REQUIRE_${name.toUpperCase()}`] === '1', install };
}

export const HELM = () => findTool('helm', 'bash scripts/helm-install.sh (builds helm.sh/helm/v3/cmd/helm from the Go module proxy into .tools/bin)');
export const PROMTOOL = () => findTool('promtool', "apt-get install prometheus (Debian's package ships promtool)");
