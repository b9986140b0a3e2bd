// Word lists compared against byte ranges of folded (lower-case) text.
import { ByteBuf } from "../../sdk/bytes";

/** A list of words; `find` gives the index of src[from, to) in it, or -1. */
export class WordList {
  /** Word k is at ptrs[k] (static data), lens[k] bytes. */
  private ptrs: StaticArray<usize>;
  private lens: StaticArray<i32>;
  /** First word index per first byte, and the next word with the same first byte (-1: none). */
  private heads: StaticArray<i32>;
  private next: StaticArray<i32>;
  /**
   * A 2048-bit filter of the words' first two bytes (hashed): a position whose two bytes are not in
   * it starts no word of two bytes or more. All set for a list with a one-byte word.
   */
  private pairs: StaticArray<u32>;
  /** The word the last `earliest` found. */
  private found: i32 = -1;
  /**
   * One byte of every word (the rarest by `rarity`): text whose byte set (`textBytes`) holds none
   * of them holds no word.
   */
  private rare: StaticArray<u32>;
  /** Per word, the classes of its bytes (`byteClass`). */
  private sigs: StaticArray<u32>;

  /**
   * `words`: `size` bytes of static data (memory.data: one byte per character, where a string
   * literal takes two), the words separated by '|'.
   */
  constructor(words: usize, size: i32) {
    let count = 1;
    for (let i = 0; i < size; i++) if (load<u8>(words + <usize>i) == 124) count++;
    const ptrs = new StaticArray<usize>(count);
    const lens = new StaticArray<i32>(count);
    const next = new StaticArray<i32>(count);
    let k = 0;
    let start = 0;
    for (let i = 0; i <= size; i++) {
      if (i == size || load<u8>(words + <usize>i) == 124) {
        unchecked((ptrs[k] = words + <usize>start));
        unchecked((lens[k] = i - start));
        k++;
        start = i + 1;
      }
    }
    const heads = new StaticArray<i32>(256);
    for (let b = 0; b < 256; b++) unchecked((heads[b] = -1));
    const pairs = new StaticArray<u32>(64);
    const rare = new StaticArray<u32>(8);
    const sigs = new StaticArray<u32>(count);
    for (let j = count - 1; j >= 0; j--) {
      const w = unchecked(ptrs[j]);
      unchecked((next[j] = -1));
      const n = unchecked(lens[j]);
      if (n == 0) continue;
      let sig: u32 = 0;
      for (let x = 0; x < n; x++) sig |= byteClass(load<u8>(w + <usize>x));
      unchecked((sigs[j] = sig));
      let pick: u32 = load<u8>(w);
      for (let x = 1; x < n; x++) {
        const b = <u32>load<u8>(w + <usize>x);
        if (rarity(b) > rarity(pick)) pick = b;
      }
      unchecked((rare[pick >> 5] |= 1 << (pick & 31)));
      const first = load<u8>(w);
      unchecked((next[j] = heads[first]));
      unchecked((heads[first] = j));
      // a one-byte word lets every pair through
      if (n == 1) for (let b = 0; b < 64; b++) unchecked((pairs[b] = <u32>-1));
      else {
        const h = pairHash(w);
        unchecked((pairs[h >> 5] |= 1 << (h & 31)));
      }
    }
    this.rare = rare;
    this.sigs = sigs;
    this.heads = heads;
    this.pairs = pairs;
    this.ptrs = ptrs;
    this.lens = lens;
    this.next = next;
  }

  /** The index of a word that starts at text[at] and ends by `to`, or -1. */
  private wordAt(text: usize, at: i32, to: i32): i32 {
    let k = unchecked(this.heads[load<u8>(text + <usize>at)]);
    while (k >= 0) {
      const n = unchecked(this.lens[k]);
      if (at + n <= to && memory.compare(unchecked(this.ptrs[k]), text + <usize>at, <usize>n) == 0) break;
      k = unchecked(this.next[k]);
    }
    return k;
  }

  /** The index of the word equal to src[from, to), or -1 (words are distinct: the chain of the first byte holds it). */
  find(src: usize, from: i32, to: i32): i32 {
    const n = to - from;
    if (n <= 0) return -1;
    let k = unchecked(this.heads[load<u8>(src + <usize>from)]);
    while (k >= 0) {
      if (unchecked(this.lens[k]) == n && memory.compare(unchecked(this.ptrs[k]), src + <usize>from, <usize>n) == 0) break;
      k = unchecked(this.next[k]);
    }
    return k;
  }

  /** Whether a word may occur in text whose bytes are among `textBytes`. */
  mayOccur(): bool {
    let any: u32 = 0;
    for (let b = 0; b < 8; b++) any |= unchecked(this.rare[b]) & unchecked(textBytes[b]);
    if (any == 0) return false;
    // every byte of some word there (by byte classes: `byteClass`)
    const t = textClasses();
    const sigs = this.sigs;
    for (let k = 0; k < sigs.length; k++) if ((unchecked(sigs[k]) & ~t) == 0) return true;
    return false;
  }

  /**
   * The earliest position of any word in text[from, to), or -1; the word's index is left in `found`.
   * `text`'s bytes must be among `textBytes` (all bytes unless a scorer narrowed it).
   */
  earliest(text: ByteBuf, from: i32, to: i32): i32 {
    if (!this.mayOccur()) return -1;
    const p = text.ptr;
    const pairs = this.pairs;
    for (let i = from; i < to; i++) {
      if (i + 1 < to) {
        const h = pairHash(p + <usize>i);
        if ((unchecked(pairs[h >> 5]) & (1 << (h & 31))) == 0) continue;
      }
      const k = this.wordAt(p, i, to);
      if (k >= 0) {
        this.found = k;
        return i;
      }
    }
    return -1;
  }

  /** The word that occurs first in text[from, to), as an index, or -1. */
  anyIn(text: ByteBuf, from: i32, to: i32): i32 {
    return this.earliest(text, from, to) >= 0 ? this.found : -1;
  }

  /** The word starting at text[at], as an index, or -1. */
  startingAt(text: ByteBuf, at: i32): i32 {
    return at < text.length ? this.wordAt(text.ptr, at, text.length) : -1;
  }
}

/**
 * The bytes that the text `anyIn` and `earliest` scan may hold (a superset): set by the scorer for
 * the field being checked, all bytes otherwise.
 */
export const textBytes = new StaticArray<u32>(8);
allBytes();

/** `textBytes` back to every byte. */
export function allBytes(): void {
  for (let b = 0; b < 8; b++) unchecked((textBytes[b] = <u32>-1));
}

@inline export function hasByte(set: StaticArray<u32>, c: u32): bool {
  return (unchecked(set[c >> 5]) & (1 << (c & 31))) != 0;
}

/** A byte's class bit: a-z one each, then digits, '.', '(', ':', '/', and every other byte. */
function byteClass(c: u32): u32 {
  if (c - 97 < 26) return 1 << (c - 97);
  if (c - 48 < 10) return 1 << 26;
  if (c == 46) return 1 << 27;
  if (c == 40) return 1 << 28;
  if (c == 58) return 1 << 29;
  if (c == 47) return 1 << 30;
  return 1 << 31;
}

/** The byte classes of `textBytes` (byteClass of each byte in it, or'ed). */
function textClasses(): u32 {
  const t1 = unchecked(textBytes[1]);
  const t3 = unchecked(textBytes[3]);
  let out = (t3 >> 1) & 0x3ffffff;
  if ((t1 & 0x03ff0000) != 0) out |= 1 << 26;
  if ((t1 & (1 << 14)) != 0) out |= 1 << 27;
  if ((t1 & (1 << 8)) != 0) out |= 1 << 28;
  if ((t1 & (1 << 26)) != 0) out |= 1 << 29;
  if ((t1 & (1 << 15)) != 0) out |= 1 << 30;
  const known1: u32 = 0x03ff0000 | (1 << 14) | (1 << 8) | (1 << 26) | (1 << 15);
  let other = unchecked(textBytes[0]) | (t1 & ~known1) | unchecked(textBytes[2]) | (t3 & ~(0x3ffffff << 1));
  for (let b = 4; b < 8; b++) other |= unchecked(textBytes[b]);
  if (other != 0) out |= 1 << 31;
  return out;
}

/** Lower-case letters from the most to the least frequent in text. */
const LETTER_ORDER = "etaoinsrhldcumfpgwybvkxjqz";

/** How rare a byte is in ordinary text (only which byte of a word is checked depends on it). */
function rarity(c: u32): i32 {
  if (c == 32) return 0;
  if (c - 97 < 26) for (let i = 0; i < 26; i++) if (<u32>LETTER_ORDER.charCodeAt(i) == c) return 1 + i;
  if (c - 48 < 10) return 27;
  return 28;
}

@inline function pairHash(at: usize): u32 {
  return ((<u32>load<u8>(at) << 5) ^ <u32>load<u8>(at + 1)) & 2047;
}

/** Index of `needle` in text[from, to), or -1. */
export function indexOfBytes(text: ByteBuf, needle: ByteBuf, from: i32, to: i32): i32 {
  const n = needle.length;
  if (n == 0) return from;
  const first = needle.at(0);
  const base = text.ptr;
  for (let i = from; i + n <= to; i++) {
    if (load<u8>(base + <usize>i) == first && memory.compare(base + <usize>i, needle.ptr, <usize>n) == 0) return i;
  }
  return -1;
}

@inline export function isAlpha(c: u32): bool {
  return (c | 0x20) - 97 < 26;
}

@inline export function isDigit(c: u32): bool {
  return c - 48 < 10;
}

@inline export function isWordChar(c: u32): bool {
  return isAlpha(c) || isDigit(c) || c == 95 || c >= 128;
}
