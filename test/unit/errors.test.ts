// The error catalogue (control-plane/errors.ts): stable, well-formed codes; none listed that no
// code path produces; none produced that is not listed; the codes outside policy validation are
// produced where they are documented (policy-validate.test.ts covers the MG_*_POLICY_* codes one
// by one, snapshot-check.test.ts MG_ERR_XDS_SNAPSHOT).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, MeshguardError, RETIRED_CODES } from '../../control-plane/errors.js';
import { readText } from '../../control-plane/cli/io.js';
import { parseCommand, type CommandSpec } from '../../control-plane/cli/spec.js';
import { loadPolicyFile } from '../../control-plane/policy/load.js';

const ROOT = path.resolve(import.meta.dirname, '../../control-plane');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

const codeLiterals = new Map<string, string[]>();
for (const file of sources(ROOT)) {
  if (file === path.join(ROOT, 'errors.ts')) continue;
  for (const m of readFileSync(file, 'utf8').matchAll(/['"`](MG_(?:ERR|WARN)_[A-Z_]+)['"`]/g)) {
    codeLiterals.set(m[1]!, [...(codeLiterals.get(m[1]!) ?? []), path.relative(ROOT, file)]);
  }
}

describe('the error catalogue', () => {
  const codes = Object.keys(ErrorCodes);

  it('has well-formed codes, each described, none retired', () => {
    for (const c of codes) {
      expect(c).toMatch(/^MG_(ERR|WARN)_[A-Z]+(_[A-Z]+)+$/);
      expect(ErrorCodes[c as keyof typeof ErrorCodes].length).toBeGreaterThan(10);
      expect(RETIRED_CODES).not.toContain(c);
    }
  });

  it('lists no code that no source produces, and the sources use no unlisted code', () => {
    expect(codes.filter((c) => !codeLiterals.has(c))).toEqual([]);
    expect([...codeLiterals.keys()].filter((c) => !(c in ErrorCodes))).toEqual([]);
  });

  it('stays stable: the codes shipped so far are all still listed (a code is never renamed)', () => {
    const shipped = [
      'MG_ERR_POLICY_YAML', 'MG_ERR_POLICY_READ', 'MG_ERR_POLICY_SCHEMA', 'MG_ERR_POLICY_DUPLICATE_NAME',
      'MG_ERR_POLICY_SELECTOR_OPERATOR', 'MG_ERR_POLICY_CIDR', 'MG_ERR_POLICY_SPIFFE_ID', 'MG_ERR_POLICY_RATE_LIMIT',
      'MG_ERR_POLICY_METHOD', 'MG_ERR_POLICY_PATH_PATTERN', 'MG_ERR_POLICY_HOST_PATTERN', 'MG_ERR_POLICY_EGRESS_TARGET',
      'MG_ERR_POLICY_ENDPOINT', 'MG_ERR_POLICY_NAME', 'MG_ERR_POLICY_DURATION', 'MG_ERR_POLICY_FROM_ENTRY',
      'MG_WARN_POLICY_SELECTS_NOTHING', 'MG_WARN_POLICY_CIDR_HOST_BITS', 'MG_WARN_POLICY_ANY_PRINCIPAL',
      'MG_ERR_CLI_USAGE', 'MG_ERR_CLI_IO', 'MG_ERR_XDS_SNAPSHOT',
    ];
    expect(shipped.filter((c) => !(c in ErrorCodes) && !RETIRED_CODES.includes(c))).toEqual([]);
  });
});

describe('codes outside policy validation', () => {
  it('MG_ERR_POLICY_READ: a policy file that cannot be read', async () => {
    const r = await loadPolicyFile('/nonexistent/meshguard-policy.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.code)).toEqual(['MG_ERR_POLICY_READ']);
  });

  it('MG_ERR_CLI_IO: a file named on the command line that cannot be read', async () => {
    const err = await readText('/nonexistent/requests.jsonl', '--input').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MeshguardError);
    expect((err as MeshguardError).code).toBe('MG_ERR_CLI_IO');
    expect((err as MeshguardError).message).toBe('--input /nonexistent/requests.jsonl: no such file or directory');
  });

  it('MG_ERR_CLI_USAGE: an unknown flag', () => {
    const spec: CommandSpec = { name: 't', summary: 't', description: 't', flags: [], positionals: [], run: async () => 0 };
    let err: unknown;
    try {
      parseCommand(spec, ['--nope']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MeshguardError);
    expect((err as MeshguardError).code).toBe('MG_ERR_CLI_USAGE');
  });
});
