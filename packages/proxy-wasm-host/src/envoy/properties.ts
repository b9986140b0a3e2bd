// Property values as Envoy's CEL layer sees them, and their wire encoding
// (Envoy context.cc serializeValue): strings/bytes raw, int64/uint64/double 8 bytes LE,
// bool 1 byte, timestamps/durations int64 nanoseconds, maps and lists in the pairs format.

import { WasmResult } from '../abi/codes.js';
import { encodeBytePairs } from '../abi/pairs.js';

export type NumKind = 'int64' | 'uint64' | 'double' | 'timestamp' | 'duration';

export class CelNum {
  constructor(
    readonly kind: NumKind,
    readonly value: bigint | number,
  ) {}
}

export interface CelMap {
  readonly kind: 'map';
  get(key: string): CelValue | undefined;
  /** null when the map cannot list its keys (Envoy's BaseWrapper: SerializationFailure). */
  keys(): readonly string[] | null;
}

export interface CelList {
  readonly kind: 'list';
  readonly items: readonly CelValue[];
}

/** A protobuf message: fields are walkable, the whole message serializes to protobuf bytes. */
export interface CelMessage {
  readonly kind: 'message';
  field(name: string): CelValue | undefined;
  encode(): Uint8Array;
}

/** `null` is CEL's null (e.g. a Struct null_value): it cannot be serialized. */
export type CelValue = string | boolean | Uint8Array | CelNum | CelMap | CelList | CelMessage | null;

export const int64 = (v: number | bigint): CelNum => new CelNum('int64', BigInt(v));
export const uint64 = (v: number | bigint): CelNum => new CelNum('uint64', BigInt(v));
export const double = (v: number): CelNum => new CelNum('double', v);
export const durationNs = (ns: number | bigint): CelNum => new CelNum('duration', BigInt(ns));
export const timestampNs = (ns: number | bigint): CelNum => new CelNum('timestamp', BigInt(ns));
export const timestamp = (d: Date): CelNum => timestampNs(BigInt(d.getTime()) * 1_000_000n);

/**
 * Plain-JS input for property subtrees the embedder supplies: numbers and bigints are int64,
 * Dates are timestamps, arrays are lists, objects and Maps are maps. Use the helpers above for
 * uint64/double/duration.
 */
export type PropertyInput =
  | string
  | boolean
  | number
  | bigint
  | Uint8Array
  | Date
  | CelNum
  | null
  | readonly PropertyInput[]
  | ReadonlyMap<string, PropertyInput>
  | { readonly [key: string]: PropertyInput };

export class ObjectMap implements CelMap {
  readonly kind = 'map';
  constructor(private readonly entries: ReadonlyMap<string, PropertyInput> | Readonly<Record<string, PropertyInput>>) {}

  get(key: string): CelValue | undefined {
    if (this.entries instanceof Map) {
      const v = this.entries.get(key);
      return v === undefined ? undefined : toCel(v);
    }
    const rec = this.entries as Readonly<Record<string, PropertyInput>>;
    return Object.prototype.hasOwnProperty.call(rec, key) ? toCel(rec[key]!) : undefined;
  }

  keys(): readonly string[] {
    return this.entries instanceof Map ? [...this.entries.keys()] : Object.keys(this.entries);
  }
}

export function toCel(input: PropertyInput): CelValue {
  if (input === null || typeof input === 'string' || typeof input === 'boolean') return input;
  if (typeof input === 'number' || typeof input === 'bigint') return int64(input);
  if (input instanceof Uint8Array || input instanceof CelNum) return input;
  if (input instanceof Date) return timestamp(input);
  if (Array.isArray(input)) return { kind: 'list', items: input.map(toCel) };
  return new ObjectMap(input as ReadonlyMap<string, PropertyInput> | Readonly<Record<string, PropertyInput>>);
}

/** google.protobuf.Value semantics (Struct metadata): every number is a double. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [k: string]: JsonValue };

export function jsonToCel(v: JsonValue): CelValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return double(v);
  if (Array.isArray(v)) return { kind: 'list', items: v.map(jsonToCel) };
  const obj = v as { readonly [k: string]: JsonValue };
  return {
    kind: 'map',
    get: (key) => (Object.prototype.hasOwnProperty.call(obj, key) ? jsonToCel(obj[key]!) : undefined),
    keys: () => Object.keys(obj),
  };
}

function num8(n: CelNum): Uint8Array {
  const out = Buffer.alloc(8);
  if (n.kind === 'double') out.writeDoubleLE(Number(n.value), 0);
  else if (n.kind === 'uint64') out.writeBigUInt64LE(BigInt.asUintN(64, BigInt(n.value)), 0);
  else out.writeBigInt64LE(BigInt.asIntN(64, BigInt(n.value)), 0);
  return out;
}

export type Serialized = Uint8Array | WasmResult.SerializationFailure;

function serializeMap(map: CelMap): Serialized {
  const keys = map.keys();
  if (keys === null) return WasmResult.SerializationFailure;
  const pairs: [Uint8Array, Uint8Array][] = [];
  for (const key of keys) {
    const value = map.get(key);
    const v = value === undefined ? WasmResult.SerializationFailure : serializeCel(value);
    if (!(v instanceof Uint8Array)) return WasmResult.SerializationFailure;
    pairs.push([Buffer.from(key, 'utf8'), v]);
  }
  return encodeBytePairs(pairs);
}

function serializeList(list: CelList): Serialized {
  const pairs: [Uint8Array, Uint8Array][] = [];
  for (const item of list.items) {
    const k = serializeCel(item);
    if (!(k instanceof Uint8Array)) return WasmResult.SerializationFailure;
    pairs.push([k, new Uint8Array(0)]);
  }
  return encodeBytePairs(pairs);
}

const TRUE = Uint8Array.of(1);
const FALSE = Uint8Array.of(0);

export function serializeCel(value: CelValue): Serialized {
  if (value === null) return WasmResult.SerializationFailure;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (typeof value === 'boolean') return value ? TRUE : FALSE;
  if (value instanceof Uint8Array) return value;
  if (value instanceof CelNum) return num8(value);
  if (value.kind === 'map') return serializeMap(value);
  if (value.kind === 'list') return serializeList(value);
  return value.encode();
}

/** absl::SimpleAtoi as used for list indices: optional sign, decimal digits, surrounding spaces. */
function parseIndex(s: string): number | null {
  const m = /^\s*([+-]?\d+)\s*$/.exec(s);
  return m ? Number(m[1]) : null;
}

/** One step of Context::getProperty's walk below the top-level name. */
export function stepInto(value: CelValue, part: string): CelValue | undefined {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array || value instanceof CelNum) {
    return undefined;
  }
  if (value.kind === 'map') return value.get(part);
  if (value.kind === 'message') return value.field(part);
  const idx = parseIndex(part);
  if (idx === null || idx < 0 || idx >= value.items.length) return undefined;
  return value.items[idx];
}

/** Splits a property path on NUL exactly as Context::getProperty does. */
export function splitPath(path: string): string[] {
  const parts: string[] = [];
  let start = 0;
  while (start < path.length) {
    let end = path.indexOf('\0', start);
    if (end < 0) end = path.length;
    parts.push(path.slice(start, end));
    start = end + 1;
  }
  return parts;
}
