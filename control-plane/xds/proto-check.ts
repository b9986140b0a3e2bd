// protobufjs `fromObject` silently drops fields it does not know, and `verify()` does not report
// them. `checkObject` walks a plain object against the message type (through nested `'@type'`
// Anys) and names every unknown field, unknown Any type, bad enum value or mistyped scalar, with
// its path. `toProto3Json` turns the protobufjs form into the proto3 JSON form Envoy's YAML loader
// reads (wrappers as bare values, Duration as "1.5s", Struct as a JSON object).
import protobuf from 'protobufjs';
import { xdsRoot } from './proto.js';

const ANY = 'google.protobuf.Any';
const DURATION = 'google.protobuf.Duration';
const STRUCT = 'google.protobuf.Struct';
const WRAPPERS = new Set(['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'].map((n) => `google.protobuf.${n}`));
const INTEGER = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

function fullName(t: protobuf.ReflectionObject): string {
  return t.fullName.replace(/^\./, '');
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function anyTarget(value: Record<string, unknown>): protobuf.Type | null {
  const url = value['@type'];
  if (typeof url !== 'string') return null;
  const found = xdsRoot().lookup(url.slice(url.lastIndexOf('/') + 1));
  return found instanceof protobuf.Type ? found : null;
}

function checkScalar(field: protobuf.Field, value: unknown, path: string, errors: string[]): void {
  const t = field.type;
  if (field.resolvedType instanceof protobuf.Enum) {
    const ok = typeof value === 'number' ? Object.values(field.resolvedType.values).includes(value) : typeof value === 'string' && value in field.resolvedType.values;
    if (!ok) errors.push(`${path}: ${JSON.stringify(value)} is not a value of ${fullName(field.resolvedType)}`);
    return;
  }
  if (t === 'string' && typeof value !== 'string') errors.push(`${path}: expected a string`);
  else if (t === 'bool' && typeof value !== 'boolean') errors.push(`${path}: expected a boolean`);
  else if ((t === 'double' || t === 'float') && typeof value !== 'number') errors.push(`${path}: expected a number`);
  else if (INTEGER.has(t) && !(Number.isInteger(value) || (typeof value === 'string' && /^-?[0-9]+$/.test(value)))) errors.push(`${path}: expected an integer`);
  else if (t === 'bytes' && !(value instanceof Uint8Array || typeof value === 'string')) errors.push(`${path}: expected bytes`);
}

function checkValue(field: protobuf.Field, value: unknown, path: string, errors: string[]): void {
  if (field.resolvedType instanceof protobuf.Type) {
    if (!isPlainObject(value)) errors.push(`${path}: expected an object of ${fullName(field.resolvedType)}`);
    else checkMessage(field.resolvedType, value, path, errors);
  } else {
    checkScalar(field, value, path, errors);
  }
}

function checkField(field: protobuf.Field, value: unknown, path: string, errors: string[]): void {
  if (value === null || value === undefined) return;
  if (field instanceof protobuf.MapField) {
    if (!isPlainObject(value)) return void errors.push(`${path}: expected a map`);
    for (const [k, v] of Object.entries(value)) checkValue(field, v, `${path}[${JSON.stringify(k)}]`, errors);
  } else if (field.repeated) {
    if (!Array.isArray(value)) return void errors.push(`${path}: expected a list`);
    value.forEach((v, i) => checkValue(field, v, `${path}[${i}]`, errors));
  } else {
    checkValue(field, value, path, errors);
  }
}

function checkMessage(type: protobuf.Type, object: Record<string, unknown>, path: string, errors: string[]): void {
  let target = type;
  if (fullName(type) === ANY && '@type' in object) {
    const inner = anyTarget(object);
    if (!inner) return void errors.push(`${path}['@type']: unknown type ${JSON.stringify(object['@type'])}`);
    target = inner;
  }
  for (const [key, value] of Object.entries(object)) {
    if (key === '@type' && target !== type) continue;
    const field = target.fields[key];
    if (!field) errors.push(`${path}.${key}: no such field in ${fullName(target)}`);
    else checkField(field.resolve(), value, `${path}.${key}`, errors);
  }
  for (const oneof of target.oneofsArray) {
    const set = oneof.fieldsArray.filter((f) => object[f.name] !== undefined && object[f.name] !== null);
    if (set.length > 1) errors.push(`${path}: ${set.map((f) => f.name).join(' and ')} are one of ${oneof.name}; set only one`);
  }
}

/** Every problem that would make `fromObject` drop or mangle part of `object`; empty when none. */
export function checkObject(type: protobuf.Type, object: Record<string, unknown>, path = fullName(type)): string[] {
  const errors: string[] = [];
  checkMessage(type, object, path, errors);
  const verified = type.verify(type.fromObject(object));
  if (verified) errors.push(`${path}: ${verified}`);
  return errors;
}

function durationText(v: Record<string, unknown>): string {
  const seconds = Number(v.seconds ?? 0) + Number(v.nanos ?? 0) / 1e9;
  return `${seconds}s`;
}

/** protobufjs's built-in google.protobuf.Value has camelCase fields. */
function structValue(v: Record<string, unknown>): unknown {
  if ('stringValue' in v) return v.stringValue;
  if ('numberValue' in v) return v.numberValue;
  if ('boolValue' in v) return v.boolValue;
  if ('structValue' in v) return structJson(v.structValue as Record<string, unknown>);
  if ('listValue' in v) return (((v.listValue as Record<string, unknown>).values ?? []) as Record<string, unknown>[]).map(structValue);
  return null;
}

function structJson(v: Record<string, unknown>): Record<string, unknown> {
  const fields = (v.fields ?? {}) as Record<string, Record<string, unknown>>;
  return Object.fromEntries(Object.entries(fields).map(([k, x]) => [k, structValue(x)]));
}

function jsonValue(field: protobuf.Field, value: unknown): unknown {
  const t = field.resolvedType;
  if (!(t instanceof protobuf.Type) || !isPlainObject(value)) return value;
  const name = fullName(t);
  if (WRAPPERS.has(name)) return value.value;
  if (name === DURATION) return durationText(value);
  if (name === STRUCT) return structJson(value);
  return toProto3Json(t, value);
}

/** The proto3 JSON form (Envoy YAML) of an object in protobufjs form; call `checkObject` first. */
export function toProto3Json(type: protobuf.Type, object: Record<string, unknown>): Record<string, unknown> {
  let target = type;
  if (fullName(type) === ANY && '@type' in object) target = anyTarget(object) ?? type;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const field = target.fields[key]?.resolve();
    if (!field || value === undefined || value === null) {
      if (key === '@type') out[key] = value;
      continue;
    }
    if (field instanceof protobuf.MapField) out[key] = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, jsonValue(field, v)]));
    else if (field.repeated) out[key] = (value as unknown[]).map((v) => jsonValue(field, v));
    else out[key] = jsonValue(field, value);
  }
  return out;
}
