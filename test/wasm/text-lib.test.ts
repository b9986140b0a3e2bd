// The anomaly scorer's building blocks against their JavaScript references, on random inputs
// (fast-check): V8's Math.log2 bit for bit, JSON.parse and String() of number literals, WHATWG
// UTF-8 decoding, canonicalText, routeTemplate, the parameters features.ts extracts, and the
// multi-pattern matcher against String#includes.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalText } from '../../control-plane/anomaly/canonical-text.js';
import { extractFeatures } from '../../control-plane/anomaly/features.js';
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
    for (let n = 1; n <= 600; n++) for (let c = 1; c <= n; c++) expect(Object.is(as.log2(c / n), Math.log2(c / n))).toBe(true);
  });

  it('a number literal reads as JSON.parse reads it and prints as String() prints it', () => {
    fc.assert(fc.property(literal, (text) => {
      expect(Object.is(as.parseDecimal(text), JSON.parse(text))).toBe(true);
      expect(as.formatJsNumber(text)).toBe(String(JSON.parse(text)));
    }), { numRuns: 20_000 });
  });
});

describe('text', () => {
  it('UTF-8 decoding replaces invalid sequences exactly as TextDecoder does', () => {
    const decoder = new TextDecoder();
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      expect(as.decodeUtf8(bytes)).toBe(decoder.decode(bytes));
    }), { numRuns: 20_000 });
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
      expect(as.decodeUtf8(Buffer.from(s, 'utf8'))).toBe(Buffer.from(s, 'utf8').toString('utf8'));
    }));
  });

  it('UTF-8 encoding equals Buffer.from (lone surrogates become U+FFFD)', () => {
    fc.assert(fc.property(fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }), (s) => {
      expect(Buffer.from(as.encodeUtf8(s))).toEqual(Buffer.from(s, 'utf8'));
    }), { numRuns: 5_000 });
  });

  it('canonicalText equals the TS one on arbitrary UTF-16 text', () => {
    const tricky = fc.stringMatching(/^(%[0-9a-fA-F]{0,2}|%25|\/\*\*\/|[+ \t\r\n\v\f]|[A-Za-z]|\/|\*|.)*$/);
    const units = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) });
    fc.assert(fc.property(fc.oneof(tricky, units, fc.string({ unit: 'binary' })), (s) => {
      expect(as.canonicalText(s)).toBe(canonicalText(s));
    }), { numRuns: 20_000 });
  });

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

describe('parameters', () => {
  const http = (p: string, contentType: string, body: string) => ({ method: 'POST', path: p, host: 'h', scheme: 'http', headers: { 'content-type': contentType }, body });
  const check = (p: string, contentType: string, body: string) => {
    expect(as.params(p, contentType, body)).toEqual(extractFeatures(http(p, contentType, body)).params.map(([n, v]) => [n, v]));
  };

  it('from the query, a form body, a JSON body or a raw body, as features.ts finds them', () => {
    const query = fc.stringMatching(/^\/[a-z]{0,5}(\?([a-z0-9%+=&;.é-]|%2[0-9a-f]){0,40})?$/);
    const json = fc.oneof(fc.json({ maxDepth: 5 }), fc.jsonValue().map((v) => JSON.stringify(v, null, 1)), fc.string());
    const type = fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', '', 'application/problem+json; charset=utf-8');
    fc.assert(fc.property(query, type, json, (p, t, b) => check(p, t, b)), { numRuns: 5_000 });
  });

  it('follows JavaScript property order and JSON.parse edge cases', () => {
    check('/', 'application/json', '{"b":1,"2":"x","1":"y","01":"z","4294967295":"a","4294967294":"b","b":"last"}');
    check('/', 'application/json', '{"a":{"":{"x":[1,[2,{"y":3}]]}},"":7,"n":[1e21,1e-7,-0,0.1,100,1E2]}');
    check('/', 'application/json', '"\\ud800\\u0041"');
    check('/?q=1&q=2', 'application/json', JSON.stringify(Array.from({ length: 300 }, (_, i) => ({ k: i }))));
    check('/', 'application/json', `${'['.repeat(500)}${']'.repeat(500)}`);
  });
});

describe('the multi-pattern matcher', () => {
  it('finds exactly the patterns String#includes finds', () => {
    const alphabet = fc.constantFrom('a', 'b', 'ab', "'", ' ', 'é', '😀', '\u0001', 'or', '1=1');
    const word = fc.array(alphabet, { minLength: 1, maxLength: 4 }).map((a) => a.join(''));
    fc.assert(fc.property(fc.uniqueArray(word, { minLength: 1, maxLength: 12 }), fc.array(alphabet, { maxLength: 40 }).map((a) => a.join('')), (patterns, text) => {
      expect(as.matches(patterns, text)).toEqual(patterns.map((p) => text.includes(p)));
    }), { numRuns: 5_000 });
  });
});
