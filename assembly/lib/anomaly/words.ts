// Word lists compared against byte ranges of folded (lower-case) text.
import { ByteBuf } from "../../sdk/bytes";

/** A list of words; `find` gives the index of src[from, to) in it, or -1. */
export class WordList {
  /** Keeps the words' bytes alive; the loops read them through `ptrs` and `lens`. */
  private words: ByteBuf[] = [];
  private ptrs: StaticArray<usize> = new StaticArray<usize>(0);
  private lens: StaticArray<i32> = new StaticArray<i32>(0);
  /** First word index per first byte, and the next word with the same first byte (-1: none). */
  private heads: StaticArray<i32> = new StaticArray<i32>(256);
  private next: StaticArray<i32> = new StaticArray<i32>(0);

  /** `words`: separated by '|' (one literal per list keeps the data section small). */
  constructor(words: string) {
    let start = 0;
    for (let i = 0; i <= words.length; i++) {
      if (i < words.length && words.charCodeAt(i) != 124) continue;
      const w = new ByteBuf(i - start + 1);
      for (let k = start; k < i; k++) w.push(<u8>words.charCodeAt(k));
      this.words.push(w);
      start = i + 1;
    }
    const count = this.words.length;
    this.ptrs = new StaticArray<usize>(count);
    this.lens = new StaticArray<i32>(count);
    this.next = new StaticArray<i32>(count);
    for (let b = 0; b < 256; b++) this.heads[b] = -1;
    for (let k = count - 1; k >= 0; k--) {
      const w = this.words[k];
      this.ptrs[k] = w.ptr;
      this.lens[k] = w.length;
      this.next[k] = -1;
      if (w.length == 0) continue;
      this.next[k] = this.heads[w.at(0)];
      this.heads[w.at(0)] = k;
    }
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

  /** The word that occurs first in text[from, to), as an index, or -1. */
  anyIn(text: ByteBuf, from: i32, to: i32): i32 {
    const p = text.ptr;
    for (let i = from; i < to; i++) {
      if (unchecked(this.heads[load<u8>(p + <usize>i)]) < 0) continue;
      const k = this.wordAt(p, i, to);
      if (k >= 0) return k;
    }
    return -1;
  }

  /** The earliest position of any word in text[from, to), or -1. */
  earliest(text: ByteBuf, from: i32, to: i32): i32 {
    const p = text.ptr;
    for (let i = from; i < to; i++) {
      if (unchecked(this.heads[load<u8>(p + <usize>i)]) < 0) continue;
      if (this.wordAt(p, i, to) >= 0) return i;
    }
    return -1;
  }

  /** The word starting at text[at], as an index, or -1. */
  startingAt(text: ByteBuf, at: i32): i32 {
    return at < text.length ? this.wordAt(text.ptr, at, text.length) : -1;
  }
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
