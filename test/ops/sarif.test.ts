// The SARIF output validated against the official SARIF 2.1.0 JSON schema (OASIS, version
// 2.1.0-rtm.5), vendored as test/ops/fixtures/sarif-2.1.0-rtm.5.json from the npm package
// @microsoft/jest-sarif@1.0.0-beta.0 (lib/schemas/, MIT), unchanged (its SHA-256 is checked below).
// The schema is draft-04: ajv 8 reads it once `id` is spelt `$id` and `$schema` is dropped (the
// only draft-04-isms it uses; it has no boolean exclusiveMinimum); formats are checked by the small
// validators below.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { loadPolicyUnderAudit, runAudit } from '../../control-plane/compliance/audit.js';
import { loadManifests } from '../../control-plane/compliance/manifests.js';
import { toSarif } from '../../control-plane/compliance/sarif.js';
import { CONTROLS } from '../../control-plane/compliance/controls.js';

const SCHEMA_FILE = fileURLToPath(new URL('./fixtures/sarif-2.1.0-rtm.5.json', import.meta.url));
const SCHEMA_SHA256 = '2d99159ae54a3eea97f81781cff48780548657c35949f4b7f25e99a2ba4de4f8';
const OVERLAP = fileURLToPath(new URL('./fixtures/overlap.yaml', import.meta.url));
const MANIFESTS = fileURLToPath(new URL('./fixtures/manifests/', import.meta.url));

function sarifValidator() {
  const text = readFileSync(SCHEMA_FILE, 'utf8');
  expect(createHash('sha256').update(text).digest('hex')).toBe(SCHEMA_SHA256);
  const { id, $schema: _draft, ...schema } = JSON.parse(text) as Record<string, unknown>;
  // The schema's language pattern is not a valid Unicode-mode regular expression: compile patterns without the u flag.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  ajv.addFormat('uri', (s: string) => { try { new URL(s); return true; } catch { return false; } });
  ajv.addFormat('uri-reference', (s: string) => !/\s/.test(s));
  ajv.addFormat('date-time', (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s) && !Number.isNaN(Date.parse(s)));
  return ajv.compile({ ...schema, $id: id as string });
}

describe('audit --format sarif', () => {
  const validate = sarifValidator();

  it('is valid SARIF 2.1.0 for the policy and the manifest fixtures', async () => {
    const p = await loadPolicyUnderAudit(OVERLAP);
    if (!p.ok) throw new Error('policy');
    const report = runAudit({ policy: p.value, manifests: await loadManifests(MANIFESTS), wasmDir: '/nonexistent' });
    expect(report.findings.length).toBeGreaterThan(20);
    const log = toSarif(report, '0.1.0');
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    const run = log.runs[0]!;
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(Object.keys(CONTROLS));
    for (const r of run.results) expect(run.tool.driver.rules[r.ruleIndex]!.id).toBe(r.ruleId);
    expect(run.results.every((r) => r.locations[0]!.physicalLocation.artifactLocation.uri.length > 0)).toBe(true);
    const levels = new Set(run.results.map((r) => r.level));
    expect([...levels].every((l) => ['error', 'warning', 'note'].includes(l))).toBe(true);
  });

  it('the validator rejects what SARIF forbids (the schema is really applied)', () => {
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: {} } }] })).toBe(false);
    expect(validate({ version: '2.0.0', runs: [] })).toBe(false);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'fatal' }] }] })).toBe(false);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, locations: [{ physicalLocation: { region: { startLine: 0 } } }] }] }] })).toBe(false);
  });
});
