// The proxy-wasm pairs format (proxy-wasm-cpp-host src/pairs_util.cc):
//   u32 N | N × (u32 key_len, u32 value_len) | N × (key 0x00 value 0x00)   (little-endian)

import { Limits } from './codes.js';

export type Pair = readonly [string, string];

/** Serialized size of pairs given as parallel key/value arrays. */
export function pairsSize(keys: readonly string[], values: readonly string[], count: number): number {
  let size = 4;
  for (let i = 0; i < count; i++) {
    size += 8 + Buffer.byteLength(keys[i]!, 'utf8') + 1 + Buffer.byteLength(values[i]!, 'utf8') + 1;
  }
  return size;
}

/** Writes pairs at `offset` of `out` (which holds at least pairsSize bytes from there). */
export function writePairs(
  out: Buffer,
  offset: number,
  keys: readonly string[],
  values: readonly string[],
  count: number,
): void {
  out.writeUInt32LE(count, offset);
  let sizes = offset + 4;
  let data = offset + 4 + count * 8;
  for (let i = 0; i < count; i++) {
    const k = out.write(keys[i]!, data, 'utf8');
    out[data + k] = 0;
    data += k + 1;
    const v = out.write(values[i]!, data, 'utf8');
    out[data + v] = 0;
    data += v + 1;
    out.writeUInt32LE(k, sizes);
    out.writeUInt32LE(v, sizes + 4);
    sizes += 8;
  }
}

/** Serializes byte pairs (used for property maps, whose keys and values are raw bytes). */
export function encodeBytePairs(pairs: readonly (readonly [Uint8Array, Uint8Array])[]): Uint8Array {
  let size = 4;
  for (const [k, v] of pairs) size += 8 + k.length + 1 + v.length + 1;
  const out = Buffer.alloc(size);
  out.writeUInt32LE(pairs.length, 0);
  let sizes = 4;
  let data = 4 + pairs.length * 8;
  for (const [k, v] of pairs) {
    out.writeUInt32LE(k.length, sizes);
    out.writeUInt32LE(v.length, sizes + 4);
    sizes += 8;
    out.set(k, data);
    data += k.length + 1;
    out.set(v, data);
    data += v.length + 1;
  }
  return out;
}

const EMPTY: readonly Pair[] = [];

/**
 * PairsUtil::toPairs: any malformation (over 1 MiB, over 1024 pairs, short data, a missing NUL,
 * trailing bytes) yields an empty list, never an error.
 */
export function parsePairs(view: Uint8Array): readonly Pair[] {
  if (view.length > Limits.pairsMaxBytes || view.length < 4) return EMPTY;
  const buf = Buffer.from(view.buffer, view.byteOffset, view.length);
  const n = buf.readUInt32LE(0);
  if (n > Limits.pairsMaxCount || 4 + n * 8 > buf.length) return EMPTY;
  let pos = 4 + n * 8;
  const out: Pair[] = [];
  for (let i = 0; i < n; i++) {
    const kLen = buf.readUInt32LE(4 + i * 8);
    const vLen = buf.readUInt32LE(8 + i * 8);
    if (pos + kLen + 1 > buf.length || buf[pos + kLen] !== 0) return EMPTY;
    const key = buf.toString('utf8', pos, pos + kLen);
    pos += kLen + 1;
    if (pos + vLen + 1 > buf.length || buf[pos + vLen] !== 0) return EMPTY;
    const value = buf.toString('utf8', pos, pos + vLen);
    pos += vLen + 1;
    out.push([key, value]);
  }
  return pos === buf.length ? out : EMPTY;
}
