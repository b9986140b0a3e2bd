// Typed access to the plugin configuration JSON, the primitives of the readers generated from the
// schema (config_generated.ts). The first error wins and carries its field path
// (`inbound.segments[2].rules[0].ports[1]: …`); readers keep going with defaults so the caller
// checks `error` once at the end. Each primitive takes the member's `key` and the `path` of the
// object that holds it, and builds the member's path only when it fails.
import { ByteBuf } from "../../sdk";
import { Cidr, parseCidr } from "../../lib/cidr";
import { JsonKind, JsonValue, kindName, parseJson } from "../../lib/json";

/** The field path of `key` under `path` (`inbound.segments[2]` + `name`). */
export function fieldPath(path: string, key: string): string {
  return path.length > 0 ? path + "." + key : key;
}

function itemPath(path: string, key: string, i: i32): string {
  return fieldPath(path, key) + "[" + i.toString() + "]";
}

export class ConfigReader {
  error: string | null = null;
  private scratch: ByteBuf = new ByteBuf(64);

  fail(path: string, message: string): void {
    if (this.error !== null) return;
    this.error = path.length > 0 ? path + ": " + message : message;
  }

  @inline get ok(): bool {
    return this.error === null;
  }

  /** The configuration document: a JSON object. */
  parse(bytes: ByteBuf): JsonValue | null {
    if (bytes.length == 0) {
      this.fail("", "empty plugin configuration (expected a JSON object)");
      return null;
    }
    const result = parseJson(bytes);
    if (result.value === null) {
      this.fail("", "invalid JSON: " + result.error!);
      return null;
    }
    const doc = result.value!;
    if (doc.kind != JsonKind.Object) {
      this.fail("", "expected a JSON object, got " + doc.kindName());
      return null;
    }
    return doc;
  }

  private member(parent: JsonValue, key: string, path: string, kind: JsonKind, required: bool): JsonValue | null {
    const v = parent.get(key);
    if (v === null) {
      if (required) this.fail(fieldPath(path, key), "required field is missing");
      return null;
    }
    if (v.kind != kind) {
      this.fail(fieldPath(path, key), "expected " + kindName(kind) + ", got " + v.kindName());
      return null;
    }
    return v;
  }

  object(parent: JsonValue, key: string, path: string, required: bool): JsonValue | null {
    return this.member(parent, key, path, JsonKind.Object, required);
  }

  array(parent: JsonValue, key: string, path: string, required: bool): JsonValue | null {
    return this.member(parent, key, path, JsonKind.Array, required);
  }

  string(parent: JsonValue, key: string, path: string, required: bool): string {
    const v = this.member(parent, key, path, JsonKind.String, required);
    return v === null ? "" : v.text;
  }

  /** A string that must not be empty (required). */
  nonEmpty(parent: JsonValue, key: string, path: string): string {
    const text = this.string(parent, key, path, true);
    if (this.ok && text.length == 0) this.fail(fieldPath(path, key), "must not be empty");
    return text;
  }

  /** A string that starts with `prefix` (required). */
  startsWith(parent: JsonValue, key: string, path: string, prefix: string): string {
    const text = this.string(parent, key, path, true);
    if (this.ok && !text.startsWith(prefix)) this.fail(fieldPath(path, key), "must start with " + prefix);
    return text;
  }

  bool(parent: JsonValue, key: string, path: string): bool {
    const v = this.member(parent, key, path, JsonKind.Bool, true);
    return v !== null && v.bool;
  }

  /** A number in [min, max] (whole when `integer`); absent: `min` and an error when `required`, else `absent`. */
  number(parent: JsonValue, key: string, path: string, min: f64, max: f64, integer: bool, required: bool, absent: f64): f64 {
    const v = this.member(parent, key, path, JsonKind.Number, required);
    if (v === null) return required || parent.get(key) !== null ? min : absent;
    if (!checkNumber(v, min, max, integer)) {
      this.fail(fieldPath(path, key), rangeMessage(min, max, integer));
      return min;
    }
    return v.number;
  }

  /** Index of the string value in `choices`. */
  choice(parent: JsonValue, key: string, path: string, choices: string[]): i32 {
    const text = this.string(parent, key, path, true);
    if (!this.ok) return 0;
    const index = choices.indexOf(text);
    if (index < 0) this.fail(fieldPath(path, key), "expected one of " + choices.join(" | ") + ", got \"" + text + "\"");
    return index < 0 ? 0 : index;
  }

  /** A list of strings as bytes. Absent: [] when `absentIsEmpty`, else null (= "any"). */
  strings(parent: JsonValue, key: string, path: string, absentIsEmpty: bool): ByteBuf[] | null {
    const list = this.array(parent, key, path, false);
    if (list === null) return absentIsEmpty || parent.get(key) !== null ? [] : null;
    const out = new Array<ByteBuf>();
    for (let i = 0; i < list.items.length; i++) {
      const item = list.items[i];
      if (item.kind != JsonKind.String) {
        this.fail(itemPath(path, key, i), "expected a string, got " + item.kindName());
        continue;
      }
      out.push(ByteBuf.fromString(item.text));
    }
    return out;
  }

  /** Port numbers 1-65535. Absent: null (= any); present and empty matches nothing. */
  ports(parent: JsonValue, key: string, path: string): i32[] | null {
    const list = this.array(parent, key, path, false);
    if (list === null) return parent.get(key) !== null ? [] : null;
    const out = new Array<i32>();
    for (let i = 0; i < list.items.length; i++) {
      const item = list.items[i];
      if (item.kind != JsonKind.Number) {
        this.fail(itemPath(path, key, i), "expected a port number, got " + item.kindName());
        continue;
      }
      if (!checkNumber(item, 1, 65535, true)) {
        this.fail(itemPath(path, key, i), rangeMessage(1, 65535, true));
        out.push(1);
      } else out.push(<i32>item.number);
    }
    return out;
  }

  /** CIDR blocks; absent is []. */
  cidrs(parent: JsonValue, key: string, path: string, required: bool): Cidr[] {
    const out = new Array<Cidr>();
    const list = this.array(parent, key, path, required);
    if (list === null) return out;
    for (let i = 0; i < list.items.length; i++) {
      const item = list.items[i];
      if (item.kind != JsonKind.String) {
        this.fail(itemPath(path, key, i), "expected a CIDR string, got " + item.kindName());
        continue;
      }
      const cidr = parseCidr(item.text, this.scratch);
      if (cidr === null) this.fail(itemPath(path, key, i), this.scratch.toString());
      else out.push(cidr);
    }
    return out;
  }

  /** A list of objects, each read by `read` into `out`; an item that is not an object fails. */
  objectList<T>(parent: JsonValue, key: string, path: string, required: bool, read: (r: ConfigReader, v: JsonValue, path: string) => T, out: T[]): void {
    const list = this.array(parent, key, path, required);
    if (list === null) return;
    for (let i = 0; i < list.items.length; i++) {
      const item = list.items[i];
      const at = itemPath(path, key, i);
      if (item.kind != JsonKind.Object) this.fail(at, "expected an object, got " + item.kindName());
      else out.push(read(this, item, at));
    }
  }

  /** An object of objects, each value read by `read` into `out` and its key into `keys` (document order); a value that is not an object fails. */
  objectMap<T>(parent: JsonValue, key: string, path: string, required: bool, read: (r: ConfigReader, v: JsonValue, path: string) => T, out: T[], keys: string[]): void {
    const map = this.object(parent, key, path, required);
    if (map === null) return;
    for (let i = 0; i < map.keys.length; i++) {
      const name = map.keys[i];
      const item = map.items[i];
      const at = fieldPath(path, key) + "[\"" + name + "\"]";
      if (item.kind != JsonKind.Object) {
        this.fail(at, "expected an object, got " + item.kindName());
        continue;
      }
      keys.push(name);
      out.push(read(this, item, at));
    }
  }

  /** Exactly `out.length` numbers into `out` (required). */
  numbers(parent: JsonValue, key: string, path: string, out: StaticArray<f64>): void {
    const list = this.array(parent, key, path, true);
    if (list === null) return;
    const count = out.length;
    if (list.items.length != count) {
      this.fail(fieldPath(path, key), "expected " + count.toString() + " numbers");
      return;
    }
    for (let i = 0; i < count; i++) {
      const item = list.items[i];
      if (item.kind != JsonKind.Number) this.fail(itemPath(path, key, i), "expected a number");
      else out[i] = item.number;
    }
  }

  /** 32-bit hashes. Absent: null. */
  hashes(parent: JsonValue, key: string, path: string): u32[] | null {
    const list = this.array(parent, key, path, false);
    if (list === null) return null;
    const out = new Array<u32>();
    for (let i = 0; i < list.items.length; i++) {
      const item = list.items[i];
      if (item.kind != JsonKind.Number || item.number < 0 || item.number > 4294967295) this.fail(itemPath(path, key, i), "expected a 32-bit hash");
      else out.push(<u32>item.number);
    }
    return out;
  }

  /** A 64-bit mask written as 16 lower-case hex digits (required). */
  hex64(parent: JsonValue, key: string, path: string): u64 {
    const text = this.string(parent, key, path, true);
    let mask: u64 = 0;
    for (let i = 0; this.ok && i < 16; i++) {
      const d = i < text.length ? hexDigit(text.charCodeAt(i)) : -1;
      if (d < 0 || text.length != 16) this.fail(fieldPath(path, key), "expected 16 hex digits");
      mask = (mask << 4) | <u64>d;
    }
    return mask;
  }
}

function checkNumber(v: JsonValue, min: f64, max: f64, integer: bool): bool {
  const n = v.number;
  return !((integer && Math.floor(n) != n) || n < min || n > max);
}

function rangeMessage(min: f64, max: f64, integer: bool): string {
  return "expected " + (integer ? "an integer" : "a number") + " in " + (<i64>min).toString() + ".." + (<i64>max).toString();
}

function hexDigit(c: i32): i32 {
  if (c >= 48 && c <= 57) return c - 48;
  return c >= 97 && c <= 102 ? c - 87 : -1;
}

