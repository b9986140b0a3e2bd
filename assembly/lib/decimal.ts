// Decimal numbers as JavaScript reads and prints them:
//  - parseDecimal: a JSON number literal → the correctly rounded f64 (JSON.parse / Number()).
//    AssemblyScript's parseFloat is not correctly rounded (and is wrong by orders of magnitude
//    above 1e38), and the anomaly model's limits must be the very doubles the TS engine holds.
// Exact big-integer arithmetic does the rounding; it only runs when the fast path cannot.
import { den, num, setU64 } from "./big";

/** Significant digits kept; more are summarized by one sticky non-zero digit. */
export const MAX_DIGITS: i32 = 800;

/** A decimal literal: value = sign × 0.d1d2…dk × 10^point, digits without leading/trailing zeros. */
export class Decimal {
  digits: StaticArray<u8> = new StaticArray<u8>(MAX_DIGITS + 1);
  count: i32 = 0;
  point: i32 = 0;
  negative: bool = false;

  /** Reads a JSON number literal of `size` bytes at `src` (the grammar is assumed checked). */
  read(src: usize, size: i32): void {
    this.count = 0;
    this.point = 0;
    let i = 0;
    this.negative = size > 0 && load<u8>(src) == 45;
    if (this.negative) i++;
    let seenNonZero = false;
    let sticky = false;
    let intDigits = 0;
    let inFraction = false;
    for (; i < size; i++) {
      const c = load<u8>(src + <usize>i);
      if (c == 46) {
        inFraction = true;
        continue;
      }
      if (c < 48 || c > 57) break;
      if (!inFraction) intDigits++;
      if (!seenNonZero) {
        if (c == 48) {
          if (inFraction) this.point--;
          continue;
        }
        seenNonZero = true;
      }
      if (this.count < MAX_DIGITS) unchecked((this.digits[this.count++] = c - 48));
      else if (c != 48) sticky = true;
    }
    if (!seenNonZero) {
      this.count = 0;
      this.point = 0;
      return;
    }
    // point so far counts only fraction zeros before the first digit; add the integer digits.
    let leadingIntZeros = 0;
    for (let j = this.negative ? 1 : 0; j < size; j++) {
      const c = load<u8>(src + <usize>j);
      if (c != 48) break;
      leadingIntZeros++;
    }
    this.point += intDigits - leadingIntZeros;
    if (i < size) {
      i++;
      let expNegative = false;
      const sign = i < size ? load<u8>(src + <usize>i) : 0;
      if (sign == 45 || sign == 43) {
        expNegative = sign == 45;
        i++;
      }
      let exp = 0;
      for (; i < size; i++) {
        const c = load<u8>(src + <usize>i);
        if (c < 48 || c > 57) break;
        if (exp < 100000) exp = exp * 10 + (c - 48);
      }
      this.point += expNegative ? -exp : exp;
    }
    // Beyond MAX_DIGITS only "some non-zero digit followed" matters (for rounding ties).
    if (sticky) unchecked((this.digits[this.count++] = 1));
    else while (this.count > 0 && unchecked(this.digits[this.count - 1]) == 0) this.count--;
  }

  @inline get isZero(): bool {
    return this.count == 0;
  }
}

/** Rounds num × 2^adjust (plus a sticky bit below it) to the nearest f64, ties to even. */
function roundToDouble(adjust: i32, stickyIn: bool): f64 {
  const length = num.bitLength();
  if (length == 0) return 0;
  const e = length - 1 + adjust;
  if (e > 1023) return Infinity;
  let keep = e >= -1022 ? 53 : 53 - (-1022 - e);
  if (keep <= 0) {
    const above = keep == 0 && (stickyIn || num.anyBelow(length - 1));
    return above ? reinterpret<f64>(1) : 0;
  }
  let m: u64 = 0;
  let round: u32 = 0;
  let sticky = stickyIn;
  const drop = length - keep;
  if (drop > 0) {
    for (let b = length - 1; b >= drop; b--) m = (m << 1) | <u64>num.bit(b);
    round = num.bit(drop - 1);
    sticky = sticky || num.anyBelow(drop - 1);
  } else {
    for (let b = length - 1; b >= 0; b--) m = (m << 1) | <u64>num.bit(b);
    m <<= <u64>(-drop);
  }
  if (round != 0 && (sticky || (m & 1) != 0)) m++;
  if (e < -1022) return reinterpret<f64>(m);
  let exp = e;
  if (m == (<u64>1 << 53)) {
    m >>= 1;
    exp++;
    if (exp > 1023) return Infinity;
  }
  return reinterpret<f64>((<u64>(exp + 1023) << 52) | (m & 0xfffffffffffff));
}

const POW10: StaticArray<f64> = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** The correctly rounded double of a decimal (round half to even), as JS Number() gives it. */
export function decimalToDouble(d: Decimal): f64 {
  if (d.count == 0) return d.negative ? -0.0 : 0;
  let magnitude: f64;
  if (d.point > 310) magnitude = Infinity;
  else if (d.point < -330) magnitude = 0;
  else magnitude = exactMagnitude(d);
  return d.negative ? -magnitude : magnitude;
}

function exactMagnitude(d: Decimal): f64 {
  const e = d.point - d.count;
  if (d.count <= 15 && e >= -22 && e <= 22) {
    let m: f64 = 0;
    for (let i = 0; i < d.count; i++) m = m * 10 + <f64>unchecked(d.digits[i]);
    return e >= 0 ? m * unchecked(POW10[e]) : m / unchecked(POW10[-e]);
  }
  num.setSmall(0);
  for (let i = 0; i < d.count; i++) num.mulAdd(10, unchecked(d.digits[i]));
  if (e >= 0) {
    num.mulPow10(e);
    return roundToDouble(0, false);
  }
  den.setSmall(1);
  den.mulPow10(-e);
  // num / den with a 62-63 bit quotient: shift whichever side keeps it that long.
  const s = 62 + den.bitLength() - num.bitLength();
  if (s >= 0) num.shl(s);
  else den.shl(-s);
  let shift = num.bitLength() - den.bitLength();
  let q: u64 = 0;
  if (shift >= 0) {
    den.shl(shift);
    for (; shift >= 0; shift--) {
      q <<= 1;
      if (num.cmp(den) >= 0) {
        num.sub(den);
        q |= 1;
      }
      den.shr1();
    }
  }
  const remainder = num.size != 0;
  setU64(q);
  return roundToDouble(-s, remainder);
}

const literal = new Decimal();

/** JSON.parse of a number literal of `size` bytes at `src`. */
export function parseDecimal(src: usize, size: i32): f64 {
  literal.read(src, size);
  return decimalToDouble(literal);
}
