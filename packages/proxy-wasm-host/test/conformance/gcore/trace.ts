// Shared by the conformance modules: every event a module sees goes out as one proxy_log line
// "CONFORM|<event>" (info), and hostcalls are made through the SDK's own ABI declarations so the
// result code (WasmResult, as a number) is part of the trace, not hidden by a convenience wrapper.

import * as imports from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";

export function trace(event: string): void {
  const msg = String.UTF8.encode("CONFORM|" + event);
  imports.proxy_log(2, changetype<usize>(msg), msg.byteLength);
}

// Out-parameters of the hostcalls: a returned pointer and size, or a u32/u64.
const slot = memory.data(16);

function taken(): ArrayBuffer {
  const ptr = load<u32>(slot);
  const size = load<u32>(slot, 4);
  const out = new ArrayBuffer(size);
  if (size > 0) memory.copy(changetype<usize>(out), <usize>ptr, <usize>size);
  return out;
}

function hex(b: Uint8Array): string {
  const digits = "0123456789abcdef";
  let s = "";
  for (let i = 0; i < b.length; i++) {
    s += digits.charAt(b[i] >> 4) + digits.charAt(b[i] & 15);
  }
  return s;
}

/** Printable ASCII as is (quoted), anything else as hex (0x…). */
export function show(buf: ArrayBuffer): string {
  const b = Uint8Array.wrap(buf);
  for (let i = 0; i < b.length; i++) {
    if (b[i] < 0x20 || b[i] > 0x7e) return "0x" + hex(b);
  }
  return "'" + String.UTF8.decode(buf) + "'";
}

/** A proxy-wasm pairs buffer as "k:v,k:v" (count first). */
export function showPairs(buf: ArrayBuffer): string {
  if (buf.byteLength < 4) return "n=-";
  const base = changetype<usize>(buf);
  const n = load<u32>(base);
  let data = base + 4 + 8 * <usize>n;
  let s = "n=" + n.toString();
  for (let i: u32 = 0; i < n; i++) {
    const ks = load<u32>(base + 4 + 8 * <usize>i);
    const vs = load<u32>(base + 8 + 8 * <usize>i);
    const k = String.UTF8.decodeUnsafe(data, ks);
    data += ks + 1;
    const v = String.UTF8.decodeUnsafe(data, vs);
    data += vs + 1;
    s += (i == 0 ? " " : ",") + k + ":" + v;
  }
  return s;
}

export function u64le(buf: ArrayBuffer): string {
  return buf.byteLength == 8 ? load<u64>(changetype<usize>(buf)).toString() : show(buf);
}

function utf8(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

/** get_property on a dotted path ("request.path"), as "r=<code> <value>". */
export function prop(path: string, asInt: bool = false): string {
  const p = utf8(path.replaceAll(".", "\0"));
  const r = imports.proxy_get_property(changetype<usize>(p), p.byteLength, slot, slot + 4);
  if (r != 0) return "r=" + r.toString();
  const v = taken();
  return "r=0 " + (asInt ? u64le(v) : show(v));
}

export function setProp(path: string, value: string): string {
  const p = utf8(path.replaceAll(".", "\0"));
  const v = utf8(value);
  return "r=" + imports.proxy_set_property(changetype<usize>(p), p.byteLength, changetype<usize>(v), v.byteLength).toString();
}

export function header(map: u32, key: string): string {
  const k = utf8(key);
  const r = imports.proxy_get_header_map_value(map, changetype<usize>(k), k.byteLength, slot, slot + 4);
  if (r != 0) return "r=" + r.toString();
  return "r=0 " + show(taken());
}

export function pairs(map: u32): string {
  const r = imports.proxy_get_header_map_pairs(map, slot, slot + 4);
  if (r != 0) return "r=" + r.toString();
  return "r=0 " + showPairs(taken());
}

export function mapSize(map: u32): string {
  const r = imports.proxy_get_header_map_size(map, slot);
  if (r != 0) return "r=" + r.toString();
  return "r=0 " + load<u32>(slot).toString();
}

export function addHeader(map: u32, key: string, value: string): string {
  const k = utf8(key);
  const v = utf8(value);
  return "r=" + imports.proxy_add_header_map_value(map, changetype<usize>(k), k.byteLength, changetype<usize>(v), v.byteLength).toString();
}

export function replaceHeader(map: u32, key: string, value: string): string {
  const k = utf8(key);
  const v = utf8(value);
  return "r=" + imports.proxy_replace_header_map_value(map, changetype<usize>(k), k.byteLength, changetype<usize>(v), v.byteLength).toString();
}

export function removeHeader(map: u32, key: string): string {
  const k = utf8(key);
  return "r=" + imports.proxy_remove_header_map_value(map, changetype<usize>(k), k.byteLength).toString();
}

export function bufferBytes(type: u32, start: u32, length: u32): string {
  const r = imports.proxy_get_buffer_bytes(type, start, length, slot, slot + 4);
  if (r != 0) return "r=" + r.toString();
  return "r=0 " + show(taken());
}

export function bufferStatus(type: u32): string {
  const r = imports.proxy_get_buffer_status(type, slot, slot + 4);
  if (r != 0) return "r=" + r.toString();
  return "r=0 len=" + load<u32>(slot).toString() + " flags=" + load<u32>(slot, 4).toString();
}

export function setBuffer(type: u32, start: u32, length: u32, value: string): string {
  const v = utf8(value);
  return "r=" + imports.proxy_set_buffer_bytes(type, start, length, changetype<usize>(v), v.byteLength).toString();
}
