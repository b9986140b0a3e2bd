// Canonical text of one input value, before any detector or model sees it.
//  decode: repeated rounds (at most MAX_ROUNDS, until nothing changes) of percent escapes (%XX,
//    %uXXXX), JavaScript escapes (\uXXXX, \xXX), HTML character references (&#NN; &#xHH; and the
//    named ones attacks use), then overlong UTF-8 (C0 AF → '/') and full-width ASCII (＜ → '<').
//  fold: ASCII lower case, NUL and other C0 controls except CR/LF/TAB removed, every whitespace
//    (space, TAB, CR, LF, VT, FF, NBSP) as one space, runs collapsed, ends trimmed.
// SQL comments are folded by the SQL tokenizer (it needs to know they were there).
import { ByteBuf } from "../../sdk/bytes";
import { WordList } from "./words";

const MAX_ROUNDS: i32 = 4;

@inline export function hexValue(c: u32): i32 {
  if (c >= 48 && c <= 57) return <i32>c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? <i32>l - 87 : -1;
}

function hexAt(src: ByteBuf, at: i32, digits: i32): i32 {
  if (at + digits > src.length) return -1;
  let v = 0;
  for (let i = 0; i < digits; i++) {
    const d = hexValue(<u32>src.at(at + i));
    if (d < 0) return -1;
    v = (v << 4) | d;
  }
  return v;
}

export function appendCodePoint(out: ByteBuf, cp: i32): void {
  if (cp < 0x80) out.push(<u8>cp);
  else if (cp < 0x800) {
    out.push(<u8>(0xc0 | (cp >> 6)));
    out.push(<u8>(0x80 | (cp & 63)));
  } else if (cp < 0x10000) {
    out.push(<u8>(0xe0 | (cp >> 12)));
    out.push(<u8>(0x80 | ((cp >> 6) & 63)));
    out.push(<u8>(0x80 | (cp & 63)));
  } else {
    out.push(<u8>(0xf0 | (cp >> 18)));
    out.push(<u8>(0x80 | ((cp >> 12) & 63)));
    out.push(<u8>(0x80 | ((cp >> 6) & 63)));
    out.push(<u8>(0x80 | (cp & 63)));
  }
}

// Named references that matter for attacks; anything else stays as written.
const ENTITY_NAMES = new WordList(/* "lt|gt|amp|quot|apos|colon|tab|newline|lpar|rpar|sol|bsol|num|excl|dollar|percnt|plus|equals|lbrace|rbrace|semi|period|comma|nbsp|grave|lsqb|rsqb|ast" */ memory.data<u8>([108, 116, 124, 103, 116, 124, 97, 109, 112, 124, 113, 117, 111, 116, 124, 97, 112, 111, 115, 124, 99, 111, 108, 111, 110, 124, 116, 97, 98, 124, 110, 101, 119, 108, 105, 110, 101, 124, 108, 112, 97, 114, 124, 114, 112, 97, 114, 124, 115, 111, 108, 124, 98, 115, 111, 108, 124, 110, 117, 109, 124, 101, 120, 99, 108, 124, 100, 111, 108, 108, 97, 114, 124, 112, 101, 114, 99, 110, 116, 124, 112, 108, 117, 115, 124, 101, 113, 117, 97, 108, 115, 124, 108, 98, 114, 97, 99, 101, 124, 114, 98, 114, 97, 99, 101, 124, 115, 101, 109, 105, 124, 112, 101, 114, 105, 111, 100, 124, 99, 111, 109, 109, 97, 124, 110, 98, 115, 112, 124, 103, 114, 97, 118, 101, 124, 108, 115, 113, 98, 124, 114, 115, 113, 98, 124, 97, 115, 116]), 148);
const ENTITY_CHARS: i32[] = [
  60, 62, 38, 34, 39, 58, 9, 10, 40, 41, 47, 92, 35, 33, 36, 37, 43, 61, 123, 125, 59, 46, 44, 160, 96, 91, 93, 42,
];

/** A character reference at src[at] ('&'): its code point and length, or -1. */
function entityAt(src: ByteBuf, at: i32, length: StaticArray<i32>): i32 {
  let i = at + 1;
  const n = src.length;
  if (i < n && src.at(i) == 35) {
    i++;
    let v = 0;
    let digits = 0;
    const hex = i < n && (src.at(i) | 0x20) == 120;
    if (hex) i++;
    while (i < n && digits < 8) {
      const c = <u32>src.at(i);
      const d = hex ? hexValue(c) : c >= 48 && c <= 57 ? <i32>c - 48 : -1;
      if (d < 0) break;
      v = v * (hex ? 16 : 10) + d;
      digits++;
      i++;
    }
    if (digits == 0 || v > 0x10ffff) return -1;
    if (i < n && src.at(i) == 59) i++;
    length[0] = i - at;
    return v;
  }
  let end = i;
  while (end < n && end - i < 8 && (<u32>(src.at(end) | 0x20) - 97) < 26) end++;
  nameScratch.clear();
  for (let j = i; j < end; j++) nameScratch.push(src.at(j) | 0x20);
  const k = ENTITY_NAMES.find(nameScratch.ptr, 0, nameScratch.length);
  if (k < 0) return -1;
  length[0] = end - at + (end < n && src.at(end) == 59 ? 1 : 0);
  return unchecked(ENTITY_CHARS[k]);
  return -1;
}

const entityLength = new StaticArray<i32>(1);
const nameScratch = new ByteBuf(8);

/** One round of escape decoding; true when anything changed. */
function decodeEscapes(src: ByteBuf, out: ByteBuf): bool {
  out.clear();
  out.reserve(src.length);
  let changed = false;
  const n = src.length;
  for (let i = 0; i < n; i++) {
    const c = src.at(i);
    if (c == 37 && i + 2 < n) {
      // %XX, %uXXXX
      const b = hexAt(src, i + 1, 2);
      if (b >= 0) {
        out.push(<u8>b);
        i += 2;
        changed = true;
        continue;
      }
      if ((src.at(i + 1) | 0x20) == 117) {
        const cp = hexAt(src, i + 2, 4);
        if (cp >= 0) {
          appendCodePoint(out, cp);
          i += 5;
          changed = true;
          continue;
        }
      }
    } else if (c == 92 && i + 1 < n) {
      // \uXXXX, \xXX
      const k = src.at(i + 1) | 0x20;
      const cp = k == 117 ? hexAt(src, i + 2, 4) : k == 120 ? hexAt(src, i + 2, 2) : -1;
      if (cp >= 0) {
        appendCodePoint(out, cp);
        i += k == 117 ? 5 : 3;
        changed = true;
        continue;
      }
    } else if (c == 38) {
      const cp = entityAt(src, i, entityLength);
      if (cp >= 0) {
        appendCodePoint(out, cp);
        i += entityLength[0] - 1;
        changed = true;
        continue;
      }
    }
    // never longer than its source (every escape is longer than what it stands for): reserved
    store<u8>(out.ptr + <usize>out.length, c);
    out.length++;
  }
  return changed;
}

/** Overlong UTF-8 forms of ASCII and full-width ASCII as the ASCII byte; true when anything changed. */
function foldOverlong(src: ByteBuf, out: ByteBuf): bool {
  out.clear();
  out.reserve(src.length);
  let changed = false;
  const n = src.length;
  for (let i = 0; i < n; i++) {
    const c = <i32>src.at(i);
    if ((c == 0xc0 || c == 0xc1) && i + 1 < n && (src.at(i + 1) & 0xc0) == 0x80) {
      out.push(<u8>(((c & 0x1f) << 6) | (src.at(i + 1) & 0x3f)));
      i += 1;
      changed = true;
      continue;
    }
    if (c == 0xe0 && i + 2 < n && src.at(i + 1) == 0x80 && (src.at(i + 2) & 0xc0) == 0x80) {
      out.push(src.at(i + 2) & 0x3f);
      i += 2;
      changed = true;
      continue;
    }
    if (c == 0xe2 && i + 2 < n && src.at(i + 1) == 0x88 && (src.at(i + 2) == 0x95 || src.at(i + 2) == 0x96)) {
      // U+2215 DIVISION SLASH, U+2216 SET MINUS: read as '/' and '\\' by some servers
      out.push(src.at(i + 2) == 0x95 ? 47 : 92);
      i += 2;
      changed = true;
      continue;
    }
    if (c == 0xef && i + 2 < n && (src.at(i + 1) == 0xbc || src.at(i + 1) == 0xbd) && (src.at(i + 2) & 0xc0) == 0x80) {
      // U+FF01..U+FF5E → '!'..'~'
      const cp = ((<i32>src.at(i + 1) & 0x3f) << 6) | (<i32>src.at(i + 2) & 0x3f) | 0xf000;
      if (cp >= 0xff01 && cp <= 0xff5e) {
        out.push(<u8>(cp - 0xfee0));
        i += 2;
        changed = true;
        continue;
      }
    }
    store<u8>(out.ptr + <usize>out.length, <u8>c);
    out.length++;
  }
  return changed;
}

const scratch = new ByteBuf(256);

/** Whether `c` starts an escape, an entity or an overlong/full-width form: % \ & or ≥ 0xC0 (without one, decodeValue changes nothing). */
@inline export function startsEscape(c: u32): bool {
  return c == 37 || c == 92 || c == 38 || c >= 0xc0;
}

/** Whether `v` holds a byte where decodeEscapes or foldOverlong could change something (`startsEscape`). */
function mayDecode(v: ByteBuf): bool {
  const p = v.ptr;
  const n = v.length;
  for (let i = 0; i < n; i++) if (startsEscape(load<u8>(p + <usize>i))) return true;
  return false;
}

/** Decodes `value` in place (it is replaced by its decoded form); returns the rounds that changed it. */
export function decodeValue(value: ByteBuf): i32 {
  let rounds = 0;
  for (let r = 0; r < MAX_ROUNDS; r++) {
    // Without a byte that starts an escape, an entity or an overlong/full-width form, a round
    // changes nothing: stop without copying.
    if (!mayDecode(value)) break;
    let changed = decodeEscapes(value, scratch);
    value.set(scratch.ptr, scratch.length);
    if (foldOverlong(value, scratch)) {
      value.set(scratch.ptr, scratch.length);
      changed = true;
    }
    if (!changed) break;
    rounds++;
  }
  return rounds;
}

@inline export function isSpaceByte(c: u32): bool {
  return c == 32 || c == 9 || c == 10 || c == 13 || c == 11 || c == 12;
}

/** The folded form of decoded text (see the header) into `out`. */
export function foldValue(src: ByteBuf, out: ByteBuf): void {
  out.clear();
  // never longer than its source: written in place
  out.reserve(src.length);
  const p = out.ptr;
  let m = 0;
  let space = false;
  const n = src.length;
  for (let i = 0; i < n; i++) {
    let c = <u32>src.at(i);
    if (c == 0xc2 && i + 1 < n && src.at(i + 1) == 0xa0) {
      i++;
      c = 32;
    }
    if (isSpaceByte(c)) {
      space = m > 0;
      continue;
    }
    if (c < 32 || c == 127) continue;
    if (space) store<u8>(p + <usize>(m++), 32);
    space = false;
    if (c >= 65 && c <= 90) c += 32;
    store<u8>(p + <usize>(m++), <u8>c);
  }
  out.length = m;
}
