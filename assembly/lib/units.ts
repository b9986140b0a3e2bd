// Text as JavaScript sees it: UTF-16 code units. The anomaly scorer must agree with the TS engine,
// which measures and scans JS strings, so request bytes are decoded (WHATWG UTF-8, as Node's
// Buffer#toString does) into a reused unit buffer before any length, class or pattern is taken.
import { ByteBuf } from "../sdk/bytes";
import { pushUtf8 } from "./utf8";

export const REPLACEMENT: u16 = 0xfffd;

export class Units {
  private data: ArrayBuffer;
  length: i32 = 0;

  constructor(capacity: i32 = 64) {
    this.data = new ArrayBuffer((capacity > 0 ? capacity : 16) << 1);
  }

  static fromString(text: string): Units {
    const u = new Units(text.length + 1);
    u.appendString(text);
    return u;
  }

  @inline get ptr(): usize {
    return changetype<usize>(this.data);
  }

  reserve(count: i32): void {
    const bytes = count << 1;
    if (bytes <= this.data.byteLength) return;
    let capacity = this.data.byteLength << 1;
    if (capacity < bytes) capacity = bytes;
    const grown = new ArrayBuffer(capacity);
    memory.copy(changetype<usize>(grown), this.ptr, <usize>this.length << 1);
    this.data = grown;
  }

  @inline clear(): void {
    this.length = 0;
  }

  @inline at(index: i32): u16 {
    return load<u16>(this.ptr + (<usize>index << 1));
  }

  @inline push(unit: u16): void {
    if ((this.length << 1) >= this.data.byteLength) this.reserve(this.length + 1);
    store<u16>(this.ptr + (<usize>this.length << 1), unit);
    this.length++;
  }

  /** push() without the capacity check: only after reserve() made room. */
  @inline pushReserved(unit: u16): void {
    store<u16>(changetype<usize>(this.data) + (<usize>this.length << 1), unit);
    this.length++;
  }

  /** Appends `count` units starting at `src` (a unit pointer). */
  appendRaw(src: usize, count: i32): void {
    if (count <= 0) return;
    this.reserve(this.length + count);
    memory.copy(this.ptr + (<usize>this.length << 1), src, <usize>count << 1);
    this.length += count;
  }

  appendRange(other: Units, from: i32, to: i32): void {
    this.appendRaw(other.ptr + (<usize>from << 1), to - from);
  }

  appendString(text: string): void {
    this.appendRaw(changetype<usize>(text), text.length);
  }

  /** Units [from, to) equal `other` entirely. */
  rangeEquals(from: i32, to: i32, other: Units): bool {
    const n = to - from;
    return n == other.length && memory.compare(this.ptr + (<usize>from << 1), other.ptr, <usize>n << 1) == 0;
  }

  indexOf(unit: u16, from: i32, to: i32): i32 {
    for (let i = from; i < to; i++) if (this.at(i) == unit) return i;
    return -1;
  }

  toString(): string {
    return String.UTF16.decodeUnsafe(this.ptr, <usize>this.length << 1);
  }
}

/** Units [from, to) of `a` equal units [bFrom, bTo) of `b`. */
export function unitRangesEqual(a: Units, from: i32, to: i32, b: Units, bFrom: i32, bTo: i32): bool {
  const n = to - from;
  return n == bTo - bFrom && memory.compare(a.ptr + (<usize>from << 1), b.ptr + (<usize>bFrom << 1), <usize>n << 1) == 0;
}

@inline function pushCodePoint(out: Units, cp: u32): void {
  if (cp < 0x10000) {
    out.pushReserved(<u16>cp);
    return;
  }
  const v = cp - 0x10000;
  out.pushReserved(<u16>(0xd800 + (v >> 10)));
  out.pushReserved(<u16>(0xdc00 + (v & 0x3ff)));
}

/**
 * Appends the UTF-16 form of `size` bytes at `src`, decoded as WHATWG UTF-8 (each maximal invalid
 * subpart becomes one U+FFFD, exactly as TextDecoder and Buffer#toString("utf8") do).
 */
export function decodeUtf8(src: usize, size: i32, out: Units): void {
  // Every byte yields at most one unit (a 4-byte sequence yields 2), plus one U+FFFD at the end.
  out.reserve(out.length + size + 1);
  let needed = 0;
  let seen = 0;
  let cp: u32 = 0;
  let lower: u32 = 0x80;
  let upper: u32 = 0xbf;
  let i = 0;
  while (i < size) {
    const b = <u32>load<u8>(src + <usize>i);
    if (needed == 0) {
      i++;
      if (b < 0x80) out.pushReserved(<u16>b);
      else if (b >= 0xc2 && b <= 0xdf) {
        needed = 1;
        cp = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        if (b == 0xe0) lower = 0xa0;
        if (b == 0xed) upper = 0x9f;
        needed = 2;
        cp = b & 0xf;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b == 0xf0) lower = 0x90;
        if (b == 0xf4) upper = 0x8f;
        needed = 3;
        cp = b & 7;
      } else out.pushReserved(REPLACEMENT);
      continue;
    }
    if (b < lower || b > upper) {
      // The byte is not consumed: it starts the next sequence.
      needed = seen = 0;
      cp = 0;
      lower = 0x80;
      upper = 0xbf;
      out.pushReserved(REPLACEMENT);
      continue;
    }
    i++;
    lower = 0x80;
    upper = 0xbf;
    cp = (cp << 6) | (b & 0x3f);
    if (++seen == needed) {
      pushCodePoint(out, cp);
      needed = seen = 0;
      cp = 0;
    }
  }
  if (needed != 0) out.pushReserved(REPLACEMENT);
}

@inline export function decodeUtf8Buf(bytes: ByteBuf, out: Units): void {
  decodeUtf8(bytes.ptr, bytes.length, out);
}

/** Appends the UTF-8 form of units [from, to); a lone surrogate becomes U+FFFD (as Buffer.from does). */
export function encodeUtf8(src: Units, from: i32, to: i32, out: ByteBuf): void {
  for (let i = from; i < to; i++) {
    let cp = <u32>src.at(i);
    if (cp >= 0xd800 && cp <= 0xdfff) {
      const low = i + 1 < to ? <u32>src.at(i + 1) : 0;
      if (cp <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        i++;
      } else cp = 0xfffd;
    }
    pushUtf8(out, cp);
  }
}
