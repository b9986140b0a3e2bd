// What the learned models see of one decoded value (Kruegel & Vigna's attribute models): its
// length, its character distribution (relative frequencies sorted high to low, in 6 bins), the
// character classes in it, its structure (runs of letters and digits as `a` and `0`, every other
// character as itself) and a hash of the value for enumerations.
import { ByteBuf } from "../../sdk/bytes";

export const ICD_BINS: i32 = 6;
/** Ranks (0-based, by frequency) where bins 1..5 start: [0], [1,3], [4,6], [7,11], [12,15], [16,255]. */
const BIN_STARTS: StaticArray<i32> = [0, 1, 4, 7, 12, 16];
export const MAX_SHAPE: i32 = 24;

export class ValueFeatures {
  length: i32 = 0;
  bins: StaticArray<f64> = new StaticArray<f64>(ICD_BINS);
  classes: u64 = 0;
  shape: ByteBuf = new ByteBuf(MAX_SHAPE + 1);
  hash: u32 = 0;
}

/** Per byte value, its count in the value being read; all zero between calls (reset from `distinctBytes`). */
const counts = new StaticArray<u32>(256);
const ranked = new StaticArray<u32>(256);
/** The distinct bytes of the value being read, in order of first occurrence. */
const distinctBytes = new StaticArray<u8>(256);

/** Bit of a byte's class: 0 lower, 1 upper, 2 digit, 3 space, 4 non-ASCII, 5 control, 6+ each ASCII punctuation. */
export function classBit(c: u32): i32 {
  if (c - 97 < 26) return 0;
  if (c - 65 < 26) return 1;
  if (c - 48 < 10) return 2;
  if (c == 32) return 3;
  if (c >= 128) return 4;
  if (c < 32 || c == 127) return 5;
  // ! " # $ % & ' ( ) * + , - . /  →  6..20;  : ; < = > ? @ → 21..27;  [ \ ] ^ _ ` → 28..33;  { | } ~ → 34..37
  if (c <= 47) return <i32>c - 33 + 6;
  if (c <= 64) return <i32>c - 58 + 21;
  if (c <= 96) return <i32>c - 91 + 28;
  return <i32>c - 123 + 34;
}

export function valueFeatures(v: ByteBuf, out: ValueFeatures): void {
  const n = v.length;
  out.length = n;
  let classes: u64 = 0;
  let h: u32 = 2166136261;
  let distinct = 0;
  for (let i = 0; i < n; i++) {
    const c = <u32>v.at(i);
    const k = unchecked(counts[c]);
    if (k == 0) unchecked((distinctBytes[distinct++] = <u8>c));
    unchecked((counts[c] = k + 1));
    h = (h ^ c) * 16777619;
  }
  out.hash = h;
  // the classes of the distinct bytes; their counts, sorted high to low (insertion sort: few
  // distinct bytes in a value); the counts go back to zero on the way
  for (let d = 0; d < distinct; d++) {
    const b = <i32>unchecked(distinctBytes[d]);
    classes |= (<u64>1) << <u64>classBit(<u32>b);
    const k = unchecked(counts[b]);
    unchecked((counts[b] = 0));
    let j = d;
    while (j > 0 && unchecked(ranked[j - 1]) < k) {
      unchecked((ranked[j] = ranked[j - 1]));
      j--;
    }
    unchecked((ranked[j] = k));
  }
  out.classes = classes;
  for (let i = 0; i < ICD_BINS; i++) unchecked((out.bins[i] = 0));
  let bin = 0;
  for (let r = 0; r < distinct; r++) {
    while (bin + 1 < ICD_BINS && r >= unchecked(BIN_STARTS[bin + 1])) bin++;
    unchecked((out.bins[bin] += <f64>unchecked(ranked[r])));
  }
  if (n > 0) for (let i = 0; i < ICD_BINS; i++) unchecked((out.bins[i] /= <f64>n));
  shapeOf(v, out.shape);
}

/** Runs of letters (with single spaces between them) as `a`, digit runs as `0`, other bytes as themselves. */
function shapeOf(v: ByteBuf, out: ByteBuf): void {
  out.clear();
  const n = v.length;
  let last: u8 = 0;
  for (let i = 0; i < n; i++) {
    const c = <u32>v.at(i);
    let s: u8;
    if (c - 97 < 26 || c - 65 < 26 || c >= 128) s = 97;
    else if (c - 48 < 10) s = 48;
    else if (c == 32 && last == 97 && i + 1 < n && isLetter(<u32>v.at(i + 1))) continue;
    else s = <u8>c;
    if ((s == 97 || s == 48) && s == last) continue;
    last = s;
    // at most MAX_SHAPE + 1 bytes: the buffer's capacity (ValueFeatures)
    const at = out.length;
    out.length = at + 1;
    if (at >= MAX_SHAPE) {
      store<u8>(out.ptr + <usize>at, 126);
      return;
    }
    store<u8>(out.ptr + <usize>at, s);
  }
}

@inline function isLetter(c: u32): bool {
  return c - 97 < 26 || c - 65 < 26 || c >= 128;
}
