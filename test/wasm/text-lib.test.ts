// Pieces of assembly/lib with a TypeScript counterpart, against it on random inputs (fast-check):
// V8's Math.log2 (the DNS-tunnelling entropy), number literals of the configuration reader against JSON.parse, and the route templates the
// scorer keys its models by against the ones `suggest` uses (control-plane/anomaly/route-template.ts).
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { routeTemplate } from '../../control-plane/anomaly/route-template.js';
import { loadTextHarness, type TextHarness } from './text-harness.js';

let as: TextHarness;
beforeAll(async () => {
  as = await loadTextHarness();
}, 120_000);

const anyDouble = fc.double({ noNaN: true, noDefaultInfinity: true });
const literal = fc.oneof(
  anyDouble.map((v) => JSON.stringify(v)),
  fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.integer({ min: -400, max: 400 })).map(([m, e]) => `${m}e${e}`),
  fc.tuple(fc.nat(), fc.nat({ max: 999999 }), fc.integer({ min: -30, max: 30 })).map(([i, f, e]) => `-${i}.${f}E${e >= 0 ? '+' : ''}${e}`),
  fc.constantFrom('0', '-0', '1e21', '1e-7', '5e-324', '2e-324', '1.7976931348623158e308', '1e400', '0.1', '9007199254740993', '123456789012345678901'),
);

describe('numbers', () => {
  it('log2 equals Math.log2 bit for bit (random doubles and the p = c/n of entropies)', () => {
    fc.assert(fc.property(fc.double({ min: 0, noNaN: true }), (v) => Object.is(as.log2(v), Math.log2(v))), { numRuns: 20_000 });
    for (let n = 1; n <= 300; n++) for (let c = 1; c <= n; c++) expect(Object.is(as.log2(c / n), Math.log2(c / n))).toBe(true);
  });

  it('a number literal reads as JSON.parse reads it', () => {
    fc.assert(fc.property(literal, (text) => {
      expect(Object.is(as.parseDecimal(text), JSON.parse(text))).toBe(true);
    }), { numRuns: 20_000 });
  });
});

describe('route templates', () => {
  it('routeTemplate equals the TS one', () => {
    const segment = fc.oneof(
      fc.stringMatching(/^[0-9]{1,12}$/), fc.uuid(), fc.stringMatching(/^[0-9a-fA-F]{10,20}$/),
      fc.stringMatching(/^[A-Za-z0-9_-]{15,30}$/), fc.stringMatching(/^[a-z%.;é]{0,10}$/),
    );
    fc.assert(fc.property(fc.array(segment, { maxLength: 6 }), fc.boolean(), (segments, slash) => {
      const p = `/${segments.join('/')}${slash ? '/' : ''}`;
      expect(as.routeTemplate(p)).toBe(routeTemplate(p));
    }), { numRuns: 10_000 });
  });
});
