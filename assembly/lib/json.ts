// A small strict JSON parser (RFC 8259) for the plugin configuration, which is parsed once per
// onConfigure: a plain tree, duplicate keys rejected, nesting limited.
import { ByteBuf } from "../sdk/bytes";
import { parseDecimal } from "./decimal";
import { pushUtf8 } from "./utf8";

export enum JsonKind {
  Null = 0,
  Bool = 1,
  Number = 2,
  String = 3,
  Array = 4,
  Object = 5,
}

export class JsonValue {
  kind: JsonKind = JsonKind.Null;
  bool: bool = false;
  number: f64 = 0;
  text: string = "";
  items: JsonValue[] = [];
  keys: string[] = [];

  /** The member `key` of an object, or null. */
  get(key: string): JsonValue | null {
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] == key) return this.items[i];
    }
    return null;
  }

  kindName(): string {
    return kindName(this.kind);
  }
}

/** How an error message names a value of `kind` ("a string"). */
export function kindName(kind: JsonKind): string {
  switch (kind) {
    case JsonKind.Null: return "null";
    case JsonKind.Bool: return "a boolean";
    case JsonKind.Number: return "a number";
    case JsonKind.String: return "a string";
    case JsonKind.Array: return "an array";
    default: return "an object";
  }
}

const MAX_DEPTH: i32 = 32;

class Parser {
  pos: i32 = 0;
  error: string | null = null;
  private scratch: ByteBuf = new ByteBuf(64);

  constructor(private src: ByteBuf) {}

  fail(message: string): JsonValue {
    if (this.error === null) this.error = message + " at byte " + this.pos.toString();
    return new JsonValue();
  }

  @inline peek(): i32 {
    return this.pos < this.src.length ? <i32>this.src.at(this.pos) : -1;
  }

  skipSpace(): void {
    while (this.pos < this.src.length) {
      const c = this.src.at(this.pos);
      if (c != 32 && c != 9 && c != 10 && c != 13) break;
      this.pos++;
    }
  }

  literal(word: string, value: JsonValue): JsonValue {
    for (let i = 0; i < word.length; i++) {
      if (this.peek() != word.charCodeAt(i)) return this.fail("invalid literal");
      this.pos++;
    }
    return value;
  }

  value(depth: i32): JsonValue {
    if (depth > MAX_DEPTH) return this.fail("nesting deeper than " + MAX_DEPTH.toString());
    this.skipSpace();
    const c = this.peek();
    const v = new JsonValue();
    if (c == 123) return this.object(depth);
    if (c == 91) return this.array(depth);
    if (c == 34) {
      v.kind = JsonKind.String;
      v.text = this.string();
      return v;
    }
    if (c == 116) {
      v.kind = JsonKind.Bool;
      v.bool = true;
      return this.literal("true", v);
    }
    if (c == 102) {
      v.kind = JsonKind.Bool;
      return this.literal("false", v);
    }
    if (c == 110) return this.literal("null", v);
    if (c == 45 || (c >= 48 && c <= 57)) return this.number();
    return this.fail(c < 0 ? "unexpected end of input" : "unexpected character");
  }

  digits(): i32 {
    const start = this.pos;
    while (this.peek() >= 48 && this.peek() <= 57) this.pos++;
    return this.pos - start;
  }

  number(): JsonValue {
    const start = this.pos;
    if (this.peek() == 45) this.pos++;
    if (this.peek() == 48) this.pos++;
    else if (this.digits() == 0) return this.fail("invalid number");
    if (this.peek() == 46) {
      this.pos++;
      if (this.digits() == 0) return this.fail("invalid number");
    }
    if (this.peek() == 101 || this.peek() == 69) {
      this.pos++;
      if (this.peek() == 43 || this.peek() == 45) this.pos++;
      if (this.digits() == 0) return this.fail("invalid number");
    }
    const v = new JsonValue();
    v.kind = JsonKind.Number;
    // Correctly rounded, as JSON.parse: AssemblyScript's parseFloat is not (model limits must match).
    v.number = parseDecimal(this.src.ptr + <usize>start, this.pos - start);
    return v;
  }

  hex4(): i32 {
    let value = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.peek();
      let d = -1;
      if (c >= 48 && c <= 57) d = c - 48;
      else if ((c | 0x20) >= 97 && (c | 0x20) <= 102) d = (c | 0x20) - 87;
      if (d < 0) return -1;
      value = (value << 4) | d;
      this.pos++;
    }
    return value;
  }

  pushCodePoint(cp: i32): void {
    pushUtf8(this.scratch, <u32>cp);
  }

  escape(): bool {
    const c = this.peek();
    this.pos++;
    switch (c) {
      case 34: this.scratch.push(34); return true;
      case 92: this.scratch.push(92); return true;
      case 47: this.scratch.push(47); return true;
      case 98: this.scratch.push(8); return true;
      case 102: this.scratch.push(12); return true;
      case 110: this.scratch.push(10); return true;
      case 114: this.scratch.push(13); return true;
      case 116: this.scratch.push(9); return true;
      case 117: break;
      default: return false;
    }
    let cp = this.hex4();
    if (cp < 0) return false;
    if (cp >= 0xd800 && cp <= 0xdbff) {
      if (this.peek() != 92) return false;
      this.pos++;
      if (this.peek() != 117) return false;
      this.pos++;
      const low = this.hex4();
      if (low < 0xdc00 || low > 0xdfff) return false;
      cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
    } else if (cp >= 0xdc00 && cp <= 0xdfff) {
      return false;
    }
    this.pushCodePoint(cp);
    return true;
  }

  string(): string {
    this.pos++;
    this.scratch.clear();
    while (true) {
      const c = this.peek();
      if (c < 0) {
        this.fail("unterminated string");
        return "";
      }
      this.pos++;
      if (c == 34) break;
      if (c < 0x20) {
        this.fail("control character in string");
        return "";
      }
      if (c == 92) {
        if (!this.escape()) {
          this.fail("invalid escape in string");
          return "";
        }
        continue;
      }
      this.scratch.push(<u8>c);
    }
    return this.scratch.toString();
  }

  array(depth: i32): JsonValue {
    this.pos++;
    const v = new JsonValue();
    v.kind = JsonKind.Array;
    this.skipSpace();
    if (this.peek() == 93) {
      this.pos++;
      return v;
    }
    while (this.error === null) {
      v.items.push(this.value(depth + 1));
      this.skipSpace();
      const c = this.peek();
      this.pos++;
      if (c == 93) break;
      if (c != 44) return this.fail("expected , or ] in array");
    }
    return v;
  }

  object(depth: i32): JsonValue {
    this.pos++;
    const v = new JsonValue();
    v.kind = JsonKind.Object;
    this.skipSpace();
    if (this.peek() == 125) {
      this.pos++;
      return v;
    }
    while (this.error === null) {
      this.skipSpace();
      if (this.peek() != 34) return this.fail("expected a string key in object");
      const key = this.string();
      if (this.error !== null) break;
      if (v.get(key) !== null) return this.fail("duplicate key \"" + key + "\"");
      this.skipSpace();
      if (this.peek() != 58) return this.fail("expected : in object");
      this.pos++;
      v.keys.push(key);
      v.items.push(this.value(depth + 1));
      this.skipSpace();
      const c = this.peek();
      this.pos++;
      if (c == 125) break;
      if (c != 44) return this.fail("expected , or } in object");
    }
    return v;
  }
}

/** The parse result: a value, or the first error (with its byte offset). */
export class JsonResult {
  constructor(public readonly value: JsonValue | null, public readonly error: string | null) {}
}

export function parseJson(src: ByteBuf): JsonResult {
  const p = new Parser(src);
  const value = p.value(0);
  p.skipSpace();
  if (p.error === null && p.pos < src.length) p.fail("trailing characters after the JSON value");
  if (p.error !== null) return new JsonResult(null, p.error);
  return new JsonResult(value, null);
}
