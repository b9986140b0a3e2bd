// Test-only module (not proxy-wasm): pieces of assembly/lib that have a TypeScript counterpart,
// on inputs the test writes, results left in `bytesOut`. Compiled at test time.
import { ByteBuf } from "../../../assembly/sdk/bytes";
import { parseDecimal } from "../../../assembly/lib/decimal";
import { log2Js } from "../../../assembly/lib/log2";
import { appendRouteTemplate } from "../../../assembly/lib/route_template";

const bytesIn = new ByteBuf(256);
const bytesOut = new ByteBuf(256);

export function inputBytes(size: i32): usize { bytesIn.clear(); bytesIn.reserve(size); bytesIn.length = size; return bytesIn.ptr; }
export function bytesOutPtr(): usize { return bytesOut.ptr; }
export function bytesOutLength(): i32 { return bytesOut.length; }

export function log2(x: f64): f64 { return log2Js(x); }
export function parse(): f64 { return parseDecimal(bytesIn.ptr, bytesIn.length); }
export function template(): void { bytesOut.clear(); appendRouteTemplate(bytesIn.ptr, bytesIn.length, bytesOut); }
