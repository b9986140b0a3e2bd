// Typed access to the plugin configuration JSON. The first error wins and carries its field
// path (`inbound.segments[2].rules[0].ports[1]: …`); readers keep going with defaults so the
// caller checks `error` once at the end.
import { ByteBuf } from "../../sdk";
import { Cidr, parseCidr } from "../../lib/cidr";
import { JsonKind, JsonValue, parseJson } from "../../lib/json";

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
      if (required) this.fail(path, "required field is missing");
      return null;
    }
    if (v.kind != kind) {
      this.fail(path, "expected " + kindName(kind) + ", got " + v.kindName());
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

  bool(parent: JsonValue, key: string, path: string): bool {
    const v = this.member(parent, key, path, JsonKind.Bool, true);
    return v !== null && v.bool;
  }

  /** A number in [min, max] (whole when `integer`). */
  number(parent: JsonValue, key: string, path: string, min: f64, max: f64, integer: bool): f64 {
    const v = this.member(parent, key, path, JsonKind.Number, true);
    if (v === null) return min;
    return this.checkNumber(v, path, min, max, integer);
  }

  private checkNumber(v: JsonValue, path: string, min: f64, max: f64, integer: bool): f64 {
    const n = v.number;
    if ((integer && Math.floor(n) != n) || n < min || n > max) {
      this.fail(path, "expected " + (integer ? "an integer" : "a number") + " in " + (<i64>min).toString() + ".." + (<i64>max).toString());
      return min;
    }
    return n;
  }

  /** Index of the string value in `choices`. */
  choice(parent: JsonValue, key: string, path: string, choices: string[]): i32 {
    const text = this.string(parent, key, path, true);
    if (!this.ok) return 0;
    const index = choices.indexOf(text);
    if (index < 0) this.fail(path, "expected one of " + choices.join(" | ") + ", got \"" + text + "\"");
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
        this.fail(path + "[" + i.toString() + "]", "expected a string, got " + item.kindName());
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
      const itemPath = path + "[" + i.toString() + "]";
      if (item.kind != JsonKind.Number) {
        this.fail(itemPath, "expected a port number, got " + item.kindName());
        continue;
      }
      out.push(<i32>this.checkNumber(item, itemPath, 1, 65535, true));
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
      const itemPath = path + "[" + i.toString() + "]";
      if (item.kind != JsonKind.String) {
        this.fail(itemPath, "expected a CIDR string, got " + item.kindName());
        continue;
      }
      const cidr = parseCidr(item.text, this.scratch);
      if (cidr === null) this.fail(itemPath, this.scratch.toString());
      else out.push(cidr);
    }
    return out;
  }
}

function kindName(kind: JsonKind): string {
  const v = new JsonValue();
  v.kind = kind;
  return v.kindName();
}

export const DECISIONS: string[] = ["deny", "allow"];
