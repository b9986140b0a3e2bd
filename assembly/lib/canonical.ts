// The canonical text anomaly signatures are searched in, on UTF-16 units: the twin of
// control-plane/anomaly/canonical-text.ts `canonicalText` (percent-decoded twice with %XX → the
// unit 0xXX, "/**/" → " ", runs of space/tab/VT/FF/CR/'+' → one space except that CR and LF are
// kept, ASCII upper case → lower case).
import { Units } from "./units";

@inline function hexValue(c: u32): i32 {
  if (c >= 48 && c <= 57) return <i32>c - 48;
  const lower = c | 0x20;
  return lower >= 97 && lower <= 102 ? <i32>lower - 87 : -1;
}

/** One percent-decoding pass of src[from, to) onto `out` (an escape needs both hex digits inside the range). */
function percentDecodeOnce(src: Units, from: i32, to: i32, out: Units): void {
  out.reserve(out.length + (to - from));
  for (let i = from; i < to; i++) {
    const c = <u32>src.at(i);
    if (c == 37 && i + 2 < to) {
      const hi = hexValue(<u32>src.at(i + 1));
      const lo = hexValue(<u32>src.at(i + 2));
      if (hi >= 0 && lo >= 0) {
        out.pushReserved(<u16>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.pushReserved(<u16>c);
  }
}

/** Space, tab, VT, FF and '+'; CR and LF are whitespace too but survive, so that
 * header-injection signatures can see them. */
@inline function isFoldedSpace(c: u32): bool {
  return c == 32 || c == 9 || c == 11 || c == 12 || c == 43;
}

const once = new Units(256);
const twice = new Units(256);

/** Appends canonicalText(src[from, to)) to `out`. */
export function appendCanonical(src: Units, from: i32, to: i32, out: Units): void {
  let text = src;
  let start = from;
  let end = to;
  if (src.indexOf(37, from, to) >= 0) {
    once.clear();
    percentDecodeOnce(src, from, to, once);
    text = once;
    start = 0;
    end = once.length;
    if (once.indexOf(37, 0, end) >= 0) {
      twice.clear();
      percentDecodeOnce(once, 0, end, twice);
      text = twice;
      end = twice.length;
    }
  }
  out.reserve(out.length + (end - start));
  let lastSpace = false;
  for (let i = start; i < end; i++) {
    let c = <u32>text.at(i);
    // "/**/" (replaced before folding, left to right, without overlap)
    if (c == 47 && i + 3 < end && text.at(i + 1) == 42 && text.at(i + 2) == 42 && text.at(i + 3) == 47) {
      i += 3;
      c = 32;
    }
    if (isFoldedSpace(c)) {
      if (!lastSpace) out.pushReserved(32);
      lastSpace = true;
      continue;
    }
    lastSpace = false;
    if (c >= 65 && c <= 90) c += 32;
    out.pushReserved(<u16>c);
  }
}
