// A non-negative big integer in 32-bit limbs with a fixed capacity (no allocation per use): the
// exact arithmetic behind correctly rounded decimal ↔ double conversion (decimal.ts, js_number.ts).

export const LIMBS: i32 = 192;

/** Little-endian 32-bit limbs. */
export class Big {
  limbs: StaticArray<u32> = new StaticArray<u32>(LIMBS);
  size: i32 = 0;

  setSmall(v: u32): void {
    unchecked((this.limbs[0] = v));
    this.size = v == 0 ? 0 : 1;
  }

  copyFrom(o: Big): void {
    for (let i = 0; i < o.size; i++) unchecked((this.limbs[i] = o.limbs[i]));
    this.size = o.size;
  }

  mulAdd(m: u32, add: u32): void {
    let carry: u64 = add;
    for (let i = 0; i < this.size; i++) {
      const t = <u64>unchecked(this.limbs[i]) * m + carry;
      unchecked((this.limbs[i] = <u32>t));
      carry = t >> 32;
    }
    if (carry != 0 && this.size < LIMBS) unchecked((this.limbs[this.size++] = <u32>carry));
  }

  mulPow10(e: i32): void {
    while (e >= 9) {
      this.mulAdd(1000000000, 0);
      e -= 9;
    }
    let p: u32 = 1;
    while (e-- > 0) p *= 10;
    if (p > 1) this.mulAdd(p, 0);
  }

  shl(bits: i32): void {
    if (this.size == 0 || bits <= 0) return;
    const words = bits >> 5;
    const rest = bits & 31;
    let n = this.size + words + 1;
    if (n > LIMBS) n = LIMBS;
    for (let i = n - 1; i >= 0; i--) {
      const src = i - words;
      const hi: u32 = src >= 0 && src < this.size ? unchecked(this.limbs[src]) : 0;
      const lo: u32 = src - 1 >= 0 && src - 1 < this.size ? unchecked(this.limbs[src - 1]) : 0;
      unchecked((this.limbs[i] = rest == 0 ? hi : (hi << rest) | (lo >> (32 - rest))));
    }
    this.size = n;
    this.trim();
  }

  shr1(): void {
    for (let i = 0; i < this.size; i++) {
      const next: u32 = i + 1 < this.size ? unchecked(this.limbs[i + 1]) : 0;
      unchecked((this.limbs[i] = (unchecked(this.limbs[i]) >> 1) | (next << 31)));
    }
    this.trim();
  }

  trim(): void {
    while (this.size > 0 && unchecked(this.limbs[this.size - 1]) == 0) this.size--;
  }

  bitLength(): i32 {
    if (this.size == 0) return 0;
    return (this.size - 1) * 32 + 32 - <i32>clz(unchecked(this.limbs[this.size - 1]));
  }

  bit(index: i32): u32 {
    const w = index >> 5;
    return w < this.size ? (unchecked(this.limbs[w]) >> (index & 31)) & 1 : 0;
  }

  /** Any bit below `index` is set. */
  anyBelow(index: i32): bool {
    const w = index >> 5;
    for (let i = 0; i < w && i < this.size; i++) if (unchecked(this.limbs[i]) != 0) return true;
    if (w < this.size && (index & 31) != 0) return (unchecked(this.limbs[w]) & ((1 << (index & 31)) - 1)) != 0;
    return false;
  }

  cmp(o: Big): i32 {
    if (this.size != o.size) return this.size > o.size ? 1 : -1;
    for (let i = this.size - 1; i >= 0; i--) {
      const a = unchecked(this.limbs[i]);
      const b = unchecked(o.limbs[i]);
      if (a != b) return a > b ? 1 : -1;
    }
    return 0;
  }

  /** this /= divisor; returns the remainder. */
  divSmall(divisor: u32): u32 {
    let rest: u64 = 0;
    for (let i = this.size - 1; i >= 0; i--) {
      const cur = (rest << 32) | <u64>unchecked(this.limbs[i]);
      unchecked((this.limbs[i] = <u32>(cur / divisor)));
      rest = cur % divisor;
    }
    this.trim();
    return <u32>rest;
  }

  /** this -= o (this >= o). */
  sub(o: Big): void {
    let borrow: i64 = 0;
    for (let i = 0; i < this.size; i++) {
      const t = <i64>unchecked(this.limbs[i]) - (i < o.size ? <i64>unchecked(o.limbs[i]) : 0) - borrow;
      borrow = t < 0 ? 1 : 0;
      unchecked((this.limbs[i] = <u32>t));
    }
    this.trim();
  }
}


/** Shared scratch numbers: conversions run one at a time. */
export const num = new Big();
export const den = new Big();

/** num = a 64-bit value. */
export function setU64(v: u64): void {
  unchecked((num.limbs[0] = <u32>v));
  unchecked((num.limbs[1] = <u32>(v >> 32)));
  num.size = 2;
  num.trim();
}
