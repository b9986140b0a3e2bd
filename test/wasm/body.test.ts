// The one body rule (control-plane/canon/body.ts, assembly/lib/body.ts): the first 16 KiB of a
// body's bytes, decoded as WHATWG UTF-8. Both sides give the same text for any bytes, at the cap,
// across it and with malformed or cut sequences.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bodyText, bodyTextOf, MAX_BODY_BYTES } from '../../control-plane/canon/body.js';
import { loadHarness, type Harness } from './harness.js';

let as: Harness;
beforeAll(async () => {
  as = await loadHarness();
}, 120_000);

/** Byte strings rich in UTF-8 lead and continuation bytes, some long enough to cross the cap. */
const pieces = fc.oneof(
  fc.uint8Array({ maxLength: 8 }),
  fc.constantFrom(...['€', 'é', '😀', 'a', '<script>', '\u0000'].map((s) => new Uint8Array(Buffer.from(s)))),
  fc.constantFrom(new Uint8Array([0xe2, 0x82]), new Uint8Array([0xf0, 0x9f, 0x98]), new Uint8Array([0xed, 0xa0, 0x80]), new Uint8Array([0xc0, 0xaf]), new Uint8Array([0xef, 0xbb, 0xbf])),
);
const bodies = fc.tuple(fc.nat(MAX_BODY_BYTES + 4), fc.array(pieces, { maxLength: 12 })).map(([pad, parts]) => {
  const head = Buffer.alloc(Math.max(0, pad - 6), 0x61);
  return new Uint8Array(Buffer.concat([head, ...parts]));
});

describe('the body rule', () => {
  it('TS and AS decode the same text from any bytes', () => {
    fc.assert(fc.property(bodies, (bytes) => {
      expect(as.bodyText(bytes)).toBe(Buffer.from(bodyText(bytes), 'utf8').toString('utf8'));
    }), { numRuns: 400 });
  });

  it('reads 16,384 bytes: a 3-byte character cut by the cap becomes one U+FFFD', () => {
    const bytes = new Uint8Array(Buffer.concat([Buffer.alloc(MAX_BODY_BYTES - 1, 0x61), Buffer.from('€x')]));
    expect(bodyText(bytes)).toBe('a'.repeat(MAX_BODY_BYTES - 1) + '\uFFFD');
    expect(as.bodyText(bytes)).toBe('a'.repeat(MAX_BODY_BYTES - 1) + '\uFFFD');
  });

  it('caps a text body in bytes, not characters', () => {
    expect(bodyTextOf('€'.repeat(6000))).toBe('€'.repeat(5461) + '\uFFFD');
    expect(bodyTextOf('€'.repeat(5000) + '<script>')).toBe('€'.repeat(5000) + '<script>');
  });

  it('keeps a leading byte order mark', () => {
    expect(bodyText(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))).toBe('\uFEFFA');
    expect(as.bodyText(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))).toBe('\uFEFFA');
  });
});
