// Per-request features for the learned baselines: the twin of control-plane/anomaly/features.ts
// `extractFeatures`, on UTF-16 units so that lengths and classes are JavaScript's. The 12 values
// are computed with the same operations in the same order (the entropy uses a log2 that is V8's
// to the bit), so they equal the TS values exactly.
import { ByteBuf } from "../../sdk";
import { appendCanonical } from "../../lib/canonical";
import { collectJsonParams } from "../../lib/js_json";
import { log2Js } from "../../lib/log2";
import { ParamList } from "../../lib/params";
import { Units } from "../../lib/units";

const FORM = ByteBuf.fromString("application/x-www-form-urlencoded");
const JSON_WORD = ByteBuf.fromString("json");
const BODY_NAME = Units.fromString("(body)");
/** features.ts keeps this much of a body that is neither a form nor JSON. */
const RAW_BODY_UNITS: i32 = 4096;

function includes(haystack: ByteBuf, needle: ByteBuf): bool {
  const n = needle.length;
  for (let i = 0; i + n <= haystack.length; i++) {
    if (memory.compare(haystack.ptr + <usize>i, needle.ptr, <usize>n) == 0) return true;
  }
  return false;
}

/** `text.split('&')` pairs of src[from, to): empty parts skipped, name before the first '='. */
function addPairs(src: Units, from: i32, to: i32, out: ParamList): void {
  let start = from;
  for (let i = from; i <= to; i++) {
    if (i < to && src.at(i) != 38) continue;
    if (i > start) {
      const eq = src.indexOf(61, start, i);
      const nameFrom = out.text.length;
      out.text.appendRange(src, start, eq < 0 ? i : eq);
      const nameTo = out.text.length;
      if (eq >= 0) out.text.appendRange(src, eq + 1, i);
      out.add(nameFrom, nameTo);
    }
    start = i + 1;
  }
}

function addRaw(name: Units, src: Units, from: i32, to: i32, out: ParamList): void {
  const nameFrom = out.text.length;
  out.text.appendRange(name, 0, name.length);
  const nameTo = out.text.length;
  out.text.appendRange(src, from, to);
  out.add(nameFrom, nameTo);
}

/** The request's parameters before canonicalization (features.ts `params`). */
export function rawParams(path: Units, query: i32, body: Units, contentType: ByteBuf, out: ParamList): void {
  out.clear();
  if (query >= 0) addPairs(path, query + 1, path.length, out);
  if (body.length == 0) return;
  if (includes(contentType, FORM)) addPairs(body, 0, body.length, out);
  else if (includes(contentType, JSON_WORD)) {
    if (!collectJsonParams(body, out)) addRaw(BODY_NAME, body, 0, body.length, out);
  } else addRaw(BODY_NAME, body, 0, body.length < RAW_BODY_UNITS ? body.length : RAW_BODY_UNITS, out);
}

/** canonicalText of every name and value. */
export function canonicalParams(raw: ParamList, out: ParamList): void {
  out.clear();
  for (let i = 0; i < raw.count; i++) {
    const nameFrom = out.text.length;
    appendCanonical(raw.text, raw.nameFrom(i), raw.nameTo(i), out.text);
    const nameTo = out.text.length;
    appendCanonical(raw.text, raw.valueFrom(i), raw.valueTo(i), out.text);
    out.add(nameFrom, nameTo);
  }
}

const counts = new StaticArray<u16>(256);

/** dns-tunnel.ts `labelEntropy`: 16-bit counts per low byte of each unit, bins in order. */
function entropy(text: Units, from: i32, to: i32): f64 {
  for (let b = 0; b < 256; b++) unchecked((counts[b] = 0));
  for (let i = from; i < to; i++) {
    const b = <i32>(text.at(i) & 0xff);
    unchecked((counts[b] = counts[b] + 1));
  }
  const length = <f64>(to - from);
  let bits: f64 = 0;
  for (let b = 0; b < 256; b++) {
    const n = unchecked(counts[b]);
    if (n == 0) continue;
    const p = <f64>n / length;
    bits -= p * log2Js(p);
  }
  return bits;
}

@inline function isSpecial(c: u32): bool {
  // ' " < > ; ( ) | & $ ` { } \ * ! =
  return c == 39 || c == 34 || c == 60 || c == 62 || c == 59 || c == 40 || c == 41 || c == 124 || c == 38 ||
    c == 36 || c == 96 || c == 123 || c == 125 || c == 92 || c == 42 || c == 33 || c == 61;
}

@inline function isHex(c: u32): bool {
  const l = c | 0x20;
  return (c >= 48 && c <= 57) || (l >= 97 && l <= 102);
}

/** /%[0-9a-fA-F]{2}/g matches in src. */
function percentEscapes(src: Units): i32 {
  let count = 0;
  const n = src.length;
  let i = 0;
  while (i + 2 < n) {
    if (src.at(i) == 37 && isHex(<u32>src.at(i + 1)) && isHex(<u32>src.at(i + 2))) {
      count++;
      i += 3;
    } else i++;
  }
  return count;
}

/**
 * The 12 feature values into `out`. `path` is the raw :path (with the query) as units, `query`
 * the index of its first '?' (-1: none), `params` the canonical parameters, `bodyLength` in units.
 */
export function computeFeatures(
  path: Units, query: i32, params: ParamList, bodyLength: i32, headerCount: i32, out: StaticArray<f64>,
): void {
  let special = 0, whitespace = 0, nonAlnum = 0, digits = 0, chars = 0, maxLength = 0;
  let maxEntropy: f64 = 0;
  const text = params.text;
  for (let p = 0; p < params.count; p++) {
    const from = params.valueFrom(p);
    const to = params.valueTo(p);
    const length = to - from;
    if (length > maxLength) maxLength = length;
    if (length >= 8) {
      const e = entropy(text, from, to);
      if (e > maxEntropy) maxEntropy = e;
    }
    for (let i = from; i < to; i++) {
      const c = <u32>text.at(i);
      chars++;
      if (isSpecial(c)) special++;
      if (c == 32) whitespace++;
      if (c >= 48 && c <= 57) digits++;
      else if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90))) nonAlnum++;
    }
  }
  const pathLength = query < 0 ? path.length : query;
  const queryLength = query < 0 ? 0 : path.length - query - 1;
  unchecked((out[0] = <f64>pathLength));
  unchecked((out[1] = <f64>queryLength));
  unchecked((out[2] = <f64>params.count));
  unchecked((out[3] = <f64>maxLength));
  unchecked((out[4] = <f64>bodyLength));
  unchecked((out[5] = <f64>headerCount));
  unchecked((out[6] = <f64>special));
  unchecked((out[7] = <f64>percentEscapes(path)));
  unchecked((out[8] = chars == 0 ? 0 : (100 * <f64>nonAlnum) / <f64>chars));
  unchecked((out[9] = maxEntropy));
  unchecked((out[10] = <f64>whitespace));
  unchecked((out[11] = chars == 0 ? 0 : (100 * <f64>digits) / <f64>chars));
}
