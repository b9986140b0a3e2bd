// The published JSON Schema is the one validate uses (generated from policy/schema.ts, never
// edited by hand), editors can use it, and docs/policy-reference.md documents every field of it.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { publishedSchema } from '../../control-plane/policy/schema.js';

const read = (relative: string) => readFileSync(new URL(`../../${relative}`, import.meta.url), 'utf8');
const FILE = JSON.parse(read('schema/meshpolicy.schema.json')) as Record<string, unknown>;

interface Node { properties?: Record<string, Node>; items?: Node }

/** Every field path of the schema: `spec.segments[].rules[].methods`. */
function fieldPaths(node: Node, prefix = ''): string[] {
  const out: string[] = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    out.push(path, ...fieldPaths(child, path));
    if (child.items) out.push(...fieldPaths(child.items, `${path}[]`));
  }
  return out;
}

describe('schema/meshpolicy.schema.json', () => {
  it('is exactly what policy/schema.ts generates (npm run schema rewrites it)', () => {
    expect(FILE).toEqual(JSON.parse(JSON.stringify(publishedSchema())));
  });

  it('is a draft-07 schema any validator compiles, and the example policy passes it while a typo fails', () => {
    const validate = new Ajv({ allErrors: true, strict: true }).compile(FILE);
    const example = load(read('examples/shop.yaml'));
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    const typo = load(read('examples/shop.yaml').replace('meshDomains:', 'meshDomain:'));
    expect(validate(typo)).toBe(false);
  });

  it('examples/shop.yaml names it for the YAML language server', () => {
    expect(read('examples/shop.yaml').split('\n')[0]).toBe('# yaml-language-server: $schema=../schema/meshpolicy.schema.json');
  });
});

describe('docs/policy-reference.md', () => {
  it('lists every field of the schema, and no field the schema lacks', () => {
    const schemaFields = new Set(fieldPaths(FILE as Node));
    const doc = read('docs/policy-reference.md');
    const documented = new Set([...doc.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!));
    expect([...schemaFields].filter((f) => !documented.has(f))).toEqual([]);
    expect([...documented].filter((f) => !schemaFields.has(f))).toEqual([]);
    expect(schemaFields.size).toBeGreaterThan(60);
  });
});
