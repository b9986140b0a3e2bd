import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { normalizePath } from '../../control-plane/canon/path.js';

interface PathCase { in: string; out?: string; reject?: boolean; note?: string }
const table = JSON.parse(readFileSync(new URL('../fixtures/path-normalization.json', import.meta.url), 'utf8')) as { cases: PathCase[] };

describe('path normalization follows the shared table', () => {
  it.each(table.cases.map((c) => [JSON.stringify(c.in), c] as const))('%s', (_name, c) => {
    const result = normalizePath(c.in);
    if (c.reject) expect(result.ok, c.note).toBe(false);
    else expect(result).toEqual({ ok: true, path: c.out });
  });
});

const pathChars = fc.constantFrom('/', '.', '..', '%2e', '%2E', '%2f', '%41', '%25', ';', 'a', 'b', '%', '?', '\\', '//', '%5c', '%00', '#', '~', '%7e', '%zz');
const pathLike = fc.array(pathChars, { maxLength: 24 }).map((parts) => '/' + parts.join(''));

describe('path normalization properties', () => {
  it('never throws, on any string', () => {
    fc.assert(fc.property(fc.string(), (s) => { normalizePath(s); }), { numRuns: 5000 });
  });
  it('is idempotent', () => {
    fc.assert(fc.property(pathLike, (p) => {
      const once = normalizePath(p);
      if (!once.ok) return;
      expect(normalizePath(once.path)).toEqual(once);
    }), { numRuns: 20000 });
  });
  it('never leaves //, /./ or /../, nor a trailing /. or /..', () => {
    fc.assert(fc.property(pathLike, (p) => {
      const r = normalizePath(p);
      if (!r.ok) return;
      expect(r.path.startsWith('/')).toBe(true);
      expect(r.path).not.toMatch(/\/\/|\/\.\/|\/\.\.\/|\/\.\.?$/);
      expect(r.path).not.toMatch(/%2[eE]|%2[fF]|%5[cC]|[?#\\]/);
    }), { numRuns: 20000 });
  });
});
