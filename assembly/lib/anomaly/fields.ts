// A request as named input fields: the path, each query parameter, each form or JSON body field
// (JSON by key path, `a.b`, arrays as `a[]`), each cookie by name, and the header values an
// attacker chooses. Names and values are raw here (canon.ts decodes them); kept in reused buffers.
import { ByteBuf } from "../../sdk/bytes";
import { appendCodePoint, hexValue } from "./canon";

export const F_PATH: u8 = 112; // p
export const F_QUERY: u8 = 113; // q
export const F_BODY: u8 = 98; // b
export const F_COOKIE: u8 = 99; // c
export const F_HEADER: u8 = 104; // h

export const MAX_FIELDS: i32 = 96;
const MAX_DEPTH: i32 = 12;

export class Field {
  kind: u8 = 0;
  /** `<kind>:<name>`, e.g. `q:id`, `b:items[].sku`, `c:session`, `h:user-agent`. */
  name: ByteBuf = new ByteBuf(32);
  value: ByteBuf = new ByteBuf(64);
  /** '+' means space (query strings and form bodies). */
  plusIsSpace: bool = false;
}

export class FieldList {
  private pool: Field[] = [];
  count: i32 = 0;

  clear(): void {
    this.count = 0;
  }

  /** A new field of `kind` (null when the list is full). */
  add(kind: u8): Field | null {
    if (this.count >= MAX_FIELDS) return null;
    if (this.count == this.pool.length) this.pool.push(new Field());
    const f = unchecked(this.pool[this.count++]);
    f.kind = kind;
    f.name.clear();
    f.name.push(kind);
    f.name.push(58);
    f.value.clear();
    f.plusIsSpace = false;
    return f;
  }

  @inline at(i: i32): Field {
    return unchecked(this.pool[i]);
  }
}

/** `a=1&b=2` pairs of src[from, to) (separator `sep`), names prefixed with `kind:`. */
export function addPairs(src: usize, from: i32, to: i32, sep: u8, kind: u8, out: FieldList): void {
  let start = from;
  for (let i = from; i <= to; i++) {
    if (i < to && load<u8>(src + <usize>i) != sep) continue;
    let s = start;
    let e = i;
    if (sep == 59) {
      while (s < e && load<u8>(src + <usize>s) == 32) s++;
      while (e > s && load<u8>(src + <usize>(e - 1)) == 32) e--;
    }
    if (e > s) {
      let eq = -1;
      for (let k = s; k < e; k++) if (load<u8>(src + <usize>k) == 61) { eq = k; break; }
      const f = out.add(kind);
      if (f === null) return;
      f.plusIsSpace = kind != F_COOKIE;
      f.name.append(src + <usize>s, (eq < 0 ? e : eq) - s);
      if (eq >= 0) f.value.append(src + <usize>(eq + 1), e - eq - 1);
    }
    start = i + 1;
  }
}

/** JSON body fields; false when the body is not JSON (nothing added then). */
export function addJson(body: ByteBuf, out: FieldList): bool {
  const before = out.count;
  const w = walker;
  w.src = body;
  w.at = 0;
  w.out = out;
  w.path.clear();
  w.ok = true;
  w.value(0);
  w.space();
  if (!w.ok || w.at != body.length) {
    out.count = before;
    return false;
  }
  return true;
}

class JsonWalker {
  src: ByteBuf = new ByteBuf(1);
  at: i32 = 0;
  out: FieldList = new FieldList();
  path: ByteBuf = new ByteBuf(64);
  ok: bool = true;
  private text: ByteBuf = new ByteBuf(64);

  @inline peek(): i32 {
    return this.at < this.src.length ? <i32>this.src.at(this.at) : -1;
  }

  space(): void {
    while (this.at < this.src.length) {
      const c = this.src.at(this.at);
      if (c != 32 && c != 9 && c != 10 && c != 13) break;
      this.at++;
    }
  }

  value(depth: i32): void {
    if (depth > MAX_DEPTH) { this.ok = false; return; }
    this.space();
    const c = this.peek();
    if (c == 123) this.object(depth);
    else if (c == 91) this.array(depth);
    else if (c == 34) {
      if (!this.string()) return;
      this.emit();
    } else {
      const start = this.at;
      while (this.at < this.src.length) {
        const d = this.src.at(this.at);
        if (d == 44 || d == 125 || d == 93 || d == 32 || d == 10 || d == 13 || d == 9) break;
        this.at++;
      }
      if (this.at == start) { this.ok = false; return; }
      this.text.set(this.src.ptr + <usize>start, this.at - start);
      this.emit();
    }
  }

  private emit(): void {
    const f = this.out.add(F_BODY);
    if (f === null) return;
    f.name.appendBuf(this.path);
    f.value.appendBuf(this.text);
  }

  private object(depth: i32): void {
    this.at++;
    this.space();
    if (this.peek() == 125) { this.at++; return; }
    const mark = this.path.length;
    while (this.ok) {
      this.space();
      if (this.peek() != 34 || !this.string()) { this.ok = false; return; }
      this.path.truncate(mark);
      if (mark > 0) this.path.push(46);
      this.path.appendBuf(this.text);
      this.space();
      if (this.peek() != 58) { this.ok = false; return; }
      this.at++;
      this.value(depth + 1);
      this.space();
      const c = this.peek();
      this.at++;
      if (c == 125) break;
      if (c != 44) { this.ok = false; return; }
    }
    this.path.truncate(mark);
  }

  private array(depth: i32): void {
    this.at++;
    this.space();
    if (this.peek() == 93) { this.at++; return; }
    const mark = this.path.length;
    this.path.push(91);
    this.path.push(93);
    while (this.ok) {
      this.value(depth + 1);
      this.space();
      const c = this.peek();
      this.at++;
      if (c == 93) break;
      if (c != 44) { this.ok = false; return; }
    }
    this.path.truncate(mark);
  }

  /** A JSON string at `at` (its quote) into `text`, escapes resolved. */
  private string(): bool {
    const t = this.text;
    t.clear();
    this.at++;
    const src = this.src;
    while (this.at < src.length) {
      const c = src.at(this.at++);
      if (c == 34) return true;
      if (c != 92) { t.push(c); continue; }
      if (this.at >= src.length) break;
      const e = src.at(this.at++);
      if (e == 117) {
        let cp = this.hex4();
        if (cp < 0) break;
        if (cp >= 0xd800 && cp < 0xdc00 && this.peek() == 92 && this.at + 1 < src.length && src.at(this.at + 1) == 117) {
          this.at += 2;
          const low = this.hex4();
          if (low >= 0xdc00 && low < 0xe000) cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        }
        appendCodePoint(t, cp);
      } else t.push(e == 110 ? 10 : e == 116 ? 9 : e == 114 ? 13 : e == 98 ? 8 : e == 102 ? 12 : e);
    }
    this.ok = false;
    return false;
  }

  private hex4(): i32 {
    if (this.at + 4 > this.src.length) return -1;
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const d = hexValue(<u32>this.src.at(this.at + i));
      if (d < 0) return -1;
      v = (v << 4) | d;
    }
    this.at += 4;
    return v;
  }
}

const walker = new JsonWalker();
