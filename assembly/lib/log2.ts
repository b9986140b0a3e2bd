// log2 exactly as V8 computes Math.log2 (fdlibm's e_log2.c algorithm: reduce x to 2^k·(1+f) with
// 1+f in [√2/2, √2), then a degree-14 polynomial in f/(2+f) with extra precision in the sum).
// AssemblyScript's Math.log2 is a different algorithm and differs in the last bit for ~1% of
// inputs; the DNS-tunnelling entropy must equal the TS engine's to the bit, so filters use this.
// test/wasm checks it bit for bit against the JS Math.log2 of the test process.

const TWO54: f64 = 18014398509481984.0;
const IVLN2_HI = reinterpret<f64>(0x3ff7154765200000);
const IVLN2_LO = reinterpret<f64>(0x3de705fc2eefa200);
const LG1 = reinterpret<f64>(0x3fe5555555555593);
const LG2 = reinterpret<f64>(0x3fd999999997fa04);
const LG3 = reinterpret<f64>(0x3fd2492494229359);
const LG4 = reinterpret<f64>(0x3fcc71c51d8e78af);
const LG5 = reinterpret<f64>(0x3fc7466496cb03de);
const LG6 = reinterpret<f64>(0x3fc39a09d078c69f);
const LG7 = reinterpret<f64>(0x3fc2f112df3e5244);

@inline function withHighWord(x: f64, high: u32): f64 {
  return reinterpret<f64>((<u64>high << 32) | (reinterpret<u64>(x) & 0xffffffff));
}

export function log2Js(x: f64): f64 {
  let hx = <i32>(reinterpret<u64>(x) >> 32);
  const lx = <u32>reinterpret<u64>(x);
  let k: i32 = 0;
  if (hx < 0x00100000) {
    if (((hx & 0x7fffffff) | <i32>lx) == 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= TWO54;
    hx = <i32>(reinterpret<u64>(x) >> 32);
  }
  if (hx >= 0x7ff00000) return x + x;
  if (hx == 0x3ff00000 && lx == 0) return 0;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i = (hx + 0x95f64) & 0x100000;
  x = withHighWord(x, <u32>(hx | (i ^ 0x3ff00000)));
  k += i >> 20;
  const y = <f64>k;
  const f = x - 1.0;
  const hfsq = 0.5 * f * f;
  const s = f / (2.0 + f);
  const z = s * s;
  const w = z * z;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const r = s * (hfsq + (t2 + t1));
  const hi = reinterpret<f64>(reinterpret<u64>(f - hfsq) & 0xffffffff00000000);
  const lo = (f - hi) - hfsq + r;
  let valHi = hi * IVLN2_HI;
  let valLo = (lo + hi) * IVLN2_LO + lo * IVLN2_HI;
  const sum = y + valHi;
  valLo += (y - sum) + valHi;
  valHi = sum;
  return valLo + valHi;
}
