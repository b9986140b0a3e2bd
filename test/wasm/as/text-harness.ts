// Test-only module (not proxy-wasm): the anomaly scorer's text library on inputs the test writes
// (bytes or UTF-16 units), results left in `bytesOut` / `unitsOut`. Compiled at test time.
import { ByteBuf } from "../../../assembly/sdk/bytes";
import { appendCanonical } from "../../../assembly/lib/canonical";
import { parseDecimal } from "../../../assembly/lib/decimal";
import { appendJsNumberText } from "../../../assembly/lib/js_number";
import { log2Js } from "../../../assembly/lib/log2";
import { Matcher } from "../../../assembly/lib/matcher";
import { ParamList } from "../../../assembly/lib/params";
import { appendRouteTemplate } from "../../../assembly/lib/route_template";
import { decodeUtf8, encodeUtf8, Units } from "../../../assembly/lib/units";
import { canonicalParams, rawParams } from "../../../assembly/filters/anomaly/features";

const bytesIn = new ByteBuf(256);
const bytesIn2 = new ByteBuf(64);
const unitsIn = new Units(256);
const bytesOut = new ByteBuf(256);
const unitsOut = new Units(256);
const raw = new ParamList();
const canon = new ParamList();

export function inputBytes(size: i32): usize { bytesIn.clear(); bytesIn.reserve(size); bytesIn.length = size; return bytesIn.ptr; }
export function inputBytes2(size: i32): usize { bytesIn2.clear(); bytesIn2.reserve(size); bytesIn2.length = size; return bytesIn2.ptr; }
export function inputUnits(count: i32): usize { unitsIn.clear(); unitsIn.reserve(count); unitsIn.length = count; return unitsIn.ptr; }
export function bytesOutPtr(): usize { return bytesOut.ptr; }
export function bytesOutLength(): i32 { return bytesOut.length; }
export function unitsOutPtr(): usize { return unitsOut.ptr; }
export function unitsOutLength(): i32 { return unitsOut.length; }

export function log2(x: f64): f64 { return log2Js(x); }
export function parse(): f64 { return parseDecimal(bytesIn.ptr, bytesIn.length); }
export function format(): void { bytesOut.clear(); appendJsNumberText(bytesIn.ptr, bytesIn.length, bytesOut); }
export function decode(): void { unitsOut.clear(); decodeUtf8(bytesIn.ptr, bytesIn.length, unitsOut); }
export function encode(): void { bytesOut.clear(); encodeUtf8(unitsIn, 0, unitsIn.length, bytesOut); }
export function canonical(): void { unitsOut.clear(); appendCanonical(unitsIn, 0, unitsIn.length, unitsOut); }
export function template(): void { bytesOut.clear(); appendRouteTemplate(bytesIn.ptr, bytesIn.length, bytesOut); }

/** Canonical params of (path units = unitsIn, body = bytesIn, content type = bytesIn2), each text length-prefixed (2 units). */
export function params(): i32 {
  const body = new Units(bytesIn.length + 1);
  decodeUtf8(bytesIn.ptr, bytesIn.length, body);
  rawParams(unitsIn, unitsIn.indexOf(63, 0, unitsIn.length), body, bytesIn2, raw);
  canonicalParams(raw, canon);
  unitsOut.clear();
  for (let i = 0; i < canon.count; i++) {
    prefixed(canon.nameFrom(i), canon.nameTo(i));
    prefixed(canon.valueFrom(i), canon.valueTo(i));
  }
  return canon.count;
}

function prefixed(from: i32, to: i32): void {
  const n = to - from;
  unitsOut.push(<u16>(n >>> 16));
  unitsOut.push(<u16>(n & 0xffff));
  unitsOut.appendRange(canon.text, from, to);
}

/** Which of the patterns (one per group, "\0"-separated in bytesIn as UTF-8) occur in unitsIn: a bitmask. */
export function match(): u32 {
  const text = String.UTF8.decodeUnsafe(bytesIn.ptr, <usize>bytesIn.length);
  const patterns = text.split("\0");
  const groups = new Array<i32>();
  for (let i = 0; i < patterns.length; i++) groups.push(i);
  const m = new Matcher(patterns, groups, patterns.length);
  const hits = new StaticArray<u32>(m.words);
  m.scan(unitsIn, 0, unitsIn.length, 0, hits);
  return hits[0];
}
