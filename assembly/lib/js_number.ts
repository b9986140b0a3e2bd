// String(value) of a JSON number literal, as JavaScript prints it (ECMA-262 Number::toString):
// the fewest digits that read back as the double, the nearest when two qualify, then the fixed /
// exponential layout. For the JSON-body parameters the anomaly features measure.
import { ByteBuf } from "../sdk/bytes";
import { num } from "./big";
import { Decimal, decimalToDouble, MAX_DIGITS } from "./decimal";

const candidate = new Decimal();

/** The first `m` digits of `d`, rounded up when `up` (999 → 1000 moves the point). */
function truncated(d: Decimal, m: i32, up: bool, out: Decimal): void {
  out.negative = d.negative;
  out.point = d.point;
  out.count = m < d.count ? m : d.count;
  for (let i = 0; i < out.count; i++) unchecked((out.digits[i] = d.digits[i]));
  if (up) {
    let i = out.count - 1;
    while (i >= 0 && unchecked(out.digits[i]) == 9) {
      unchecked((out.digits[i] = 0));
      i--;
    }
    if (i < 0) {
      unchecked((out.digits[0] = 1));
      out.count = 1;
      out.point++;
    } else unchecked((out.digits[i] = out.digits[i] + 1));
  }
  while (out.count > 0 && unchecked(out.digits[out.count - 1]) == 0) out.count--;
}

function roundTrips(c: Decimal, value: f64): bool {
  return decimalToDouble(c) == value;
}

const exact = new Decimal();
const chunk = new StaticArray<u8>(9);

/** The exact decimal expansion of a finite non-zero |value| (every double is a finite decimal). */
function exactDigits(value: f64, out: Decimal): void {
  const bits = reinterpret<u64>(Math.abs(value));
  const biased = <i32>(bits >> 52);
  const fraction = bits & 0xfffffffffffff;
  const mantissa = biased == 0 ? fraction : fraction | (<u64>1 << 52);
  const e2 = (biased == 0 ? 1 : biased) - 1075;
  unchecked((num.limbs[0] = <u32>mantissa));
  unchecked((num.limbs[1] = <u32>(mantissa >> 32)));
  num.size = 2;
  num.trim();
  // m·2^e2 = m·5^-e2 / 10^-e2 when e2 < 0.
  if (e2 >= 0) num.shl(e2);
  else {
    let fives = -e2;
    for (; fives >= 13; fives -= 13) num.mulAdd(1220703125, 0);
    let rest: u32 = 1;
    while (fives-- > 0) rest *= 5;
    num.mulAdd(rest, 0);
  }
  // Digits come out least significant first, nine at a time; write them backwards from the end.
  let total = 0;
  const scratch = out.digits;
  let write = MAX_DIGITS;
  while (num.size > 0) {
    let r = num.divSmall(1000000000);
    for (let j = 8; j >= 0; j--) {
      unchecked((chunk[j] = <u8>(r % 10)));
      r /= 10;
    }
    for (let j = 8; j >= 0; j--) {
      write--;
      if (write >= 0) unchecked((scratch[write] = chunk[j]));
      total++;
    }
  }
  let first = MAX_DIGITS - total;
  if (first < 0) first = 0;
  while (first < MAX_DIGITS && unchecked(scratch[first]) == 0) first++;
  const count = MAX_DIGITS - first;
  for (let i = 0; i < count; i++) unchecked((scratch[i] = scratch[first + i]));
  out.count = count;
  out.point = count + (e2 >= 0 ? 0 : e2);
  out.negative = value < 0;
  while (out.count > 0 && unchecked(scratch[out.count - 1]) == 0) out.count--;
}

/**
 * The digits String(value) prints, into `candidate`: the fewest digits that read back as `value`,
 * the nearest to it when two qualify, the even one on an exact tie (ECMA-262 Number::toString).
 */
function shortest(value: f64): void {
  exactDigits(value, exact);
  for (let m = 1; m <= 17; m++) {
    if (m >= exact.count) {
      truncated(exact, exact.count, false, candidate);
      return;
    }
    truncated(exact, m, false, candidate);
    const down = roundTrips(candidate, value);
    truncated(exact, m, true, candidate);
    const up = roundTrips(candidate, value);
    if (!down && !up) continue;
    if (up && down) {
      const next = <i32>unchecked(exact.digits[m]);
      const tie = next == 5 && exact.count == m + 1;
      const odd = (<i32>unchecked(exact.digits[m - 1]) & 1) == 1;
      if (next > 5 || (next == 5 && !tie) || (tie && odd)) return;
    } else if (up) return;
    truncated(exact, m, false, candidate);
    return;
  }
  truncated(exact, 17, false, candidate);
}

function appendExponent(out: ByteBuf, exponent: i32): void {
  out.push(101);
  out.push(exponent < 0 ? 45 : 43);
  out.appendDecimal(<u64>(exponent < 0 ? -exponent : exponent));
}

/** Appends String(JSON.parse(literal)) for the literal in `d` (ECMA-262 Number::toString). */
export function formatJsNumber(d: Decimal, out: ByteBuf): void {
  const value = decimalToDouble(d);
  if (value == 0) {
    out.push(48);
    return;
  }
  if (!isFinite(value)) {
    if (value < 0) out.push(45);
    out.appendString("Infinity");
    return;
  }
  let digits = d;
  if (d.count > 15 || Math.abs(value) < 2.2250738585072014e-308) {
    shortest(value);
    digits = candidate;
  }
  if (digits.negative) out.push(45);
  const k = digits.count;
  const n = digits.point;
  if (k <= n && n <= 21) {
    for (let i = 0; i < k; i++) out.push(48 + unchecked(digits.digits[i]));
    for (let i = k; i < n; i++) out.push(48);
  } else if (0 < n && n <= 21) {
    for (let i = 0; i < k; i++) {
      if (i == n) out.push(46);
      out.push(48 + unchecked(digits.digits[i]));
    }
  } else if (-6 < n && n <= 0) {
    out.push(48);
    out.push(46);
    for (let i = 0; i < -n; i++) out.push(48);
    for (let i = 0; i < k; i++) out.push(48 + unchecked(digits.digits[i]));
  } else {
    out.push(48 + unchecked(digits.digits[0]));
    if (k > 1) {
      out.push(46);
      for (let i = 1; i < k; i++) out.push(48 + unchecked(digits.digits[i]));
    }
    appendExponent(out, n - 1);
  }
}

/** String(JSON.parse(text)) for a number literal of `size` bytes at `src`, appended to `out`. */
const literal = new Decimal();

export function appendJsNumberText(src: usize, size: i32, out: ByteBuf): void {
  literal.read(src, size);
  formatJsNumber(literal, out);
}
