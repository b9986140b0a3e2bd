// JSON.parse for request bodies, on UTF-16 units, as JavaScript parses them: strict RFC 8259,
// lone surrogate escapes allowed, any nesting depth (iterative). The result is a tree of nodes in
// reused parallel arrays; js_json.ts walks it the way features.ts `collectJson` does.
import { Units } from "./units";

export const OBJECT: i32 = 1;
export const ARRAY: i32 = 2;
export const STRING: i32 = 3;
export const NUMBER: i32 = 4;
export const TRUE: i32 = 5;
export const FALSE: i32 = 6;
export const NULL: i32 = 7;

// Nodes, parallel arrays (reused): kind, span start/end (strings: with their quotes), key span
// (object members: without quotes), first child, next sibling.
export const kinds: i32[] = [];
export const starts: i32[] = [];
export const ends: i32[] = [];
export const keyStarts: i32[] = [];
export const keyEnds: i32[] = [];
export const firstChild: i32[] = [];
const lastChild: i32[] = [];
export const nextSibling: i32[] = [];

function newNode(kind: i32, start: i32, keyStart: i32, keyEnd: i32, parent: i32): i32 {
  const id = kinds.length;
  kinds.push(kind);
  starts.push(start);
  ends.push(start);
  keyStarts.push(keyStart);
  keyEnds.push(keyEnd);
  firstChild.push(-1);
  lastChild.push(-1);
  nextSibling.push(-1);
  if (parent >= 0) {
    const last = unchecked(lastChild[parent]);
    if (last < 0) unchecked((firstChild[parent] = id));
    else unchecked((nextSibling[last] = id));
    unchecked((lastChild[parent] = id));
  }
  return id;
}

class Scanner {
  src: Units = new Units(1);
  pos: i32 = 0;
  end: i32 = 0;

  @inline peek(): i32 {
    return this.pos < this.end ? <i32>this.src.at(this.pos) : -1;
  }

  skipSpace(): void {
    while (this.pos < this.end) {
      const c = this.src.at(this.pos);
      if (c != 32 && c != 9 && c != 10 && c != 13) break;
      this.pos++;
    }
  }

  /** Past a string's closing quote; false when malformed. The opening quote is at pos. */
  string(): bool {
    this.pos++;
    while (this.pos < this.end) {
      const c = <i32>this.src.at(this.pos++);
      if (c == 34) return true;
      if (c < 0x20) return false;
      if (c != 92) continue;
      if (this.pos >= this.end) return false;
      const e = <i32>this.src.at(this.pos++);
      if (e == 117) {
        for (let i = 0; i < 4; i++) {
          if (this.pos >= this.end || hexValue(<i32>this.src.at(this.pos)) < 0) return false;
          this.pos++;
        }
      } else if (e != 34 && e != 92 && e != 47 && e != 98 && e != 102 && e != 110 && e != 114 && e != 116) return false;
    }
    return false;
  }

  digits(): i32 {
    const from = this.pos;
    while (this.pos < this.end && this.src.at(this.pos) >= 48 && this.src.at(this.pos) <= 57) this.pos++;
    return this.pos - from;
  }

  number(): bool {
    if (this.peek() == 45) this.pos++;
    if (this.peek() == 48) this.pos++;
    else if (this.digits() == 0) return false;
    if (this.peek() == 46) {
      this.pos++;
      if (this.digits() == 0) return false;
    }
    const e = this.peek();
    if (e == 101 || e == 69) {
      this.pos++;
      const s = this.peek();
      if (s == 43 || s == 45) this.pos++;
      if (this.digits() == 0) return false;
    }
    return true;
  }

  literal(word: string): bool {
    for (let i = 0; i < word.length; i++) {
      if (this.peek() != word.charCodeAt(i)) return false;
      this.pos++;
    }
    return true;
  }
}

@inline export function hexValue(c: i32): i32 {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

export const scanner = new Scanner();
const open = new Array<i32>();

/** One value at scanner.pos (a container is opened, not finished); -1 on a syntax error. */
function startValue(parent: i32, keyStart: i32, keyEnd: i32): i32 {
  const s = scanner;
  s.skipSpace();
  const c = s.peek();
  const at = s.pos;
  let kind = 0;
  if (c == 123) kind = OBJECT;
  else if (c == 91) kind = ARRAY;
  else if (c == 34) kind = STRING;
  else if (c == 45 || (c >= 48 && c <= 57)) kind = NUMBER;
  else if (c == 116) kind = TRUE;
  else if (c == 102) kind = FALSE;
  else if (c == 110) kind = NULL;
  else return -1;
  const node = newNode(kind, at, keyStart, keyEnd, parent);
  let ok = true;
  if (kind == OBJECT || kind == ARRAY) {
    s.pos++;
    open.push(node);
    return node;
  }
  if (kind == STRING) ok = s.string();
  else if (kind == NUMBER) ok = s.number();
  else ok = s.literal(kind == TRUE ? "true" : kind == FALSE ? "false" : "null");
  unchecked((ends[node] = s.pos));
  return ok ? node : -1;
}

/** JSON.parse of all of `src`: true when it is one valid JSON value (then node 0 is the root). */
export function parseJsonUnits(src: Units): bool {
  kinds.length = starts.length = ends.length = keyStarts.length = keyEnds.length = 0;
  firstChild.length = lastChild.length = nextSibling.length = 0;
  open.length = 0;
  const s = scanner;
  s.src = src;
  s.pos = 0;
  s.end = src.length;
  if (startValue(-1, 0, 0) < 0) return false;
  // `fresh`: the innermost open container has just been opened (no member yet).
  let fresh = open.length > 0;
  while (open.length > 0) {
    const top = open[open.length - 1];
    const isObject = unchecked(kinds[top]) == OBJECT;
    s.skipSpace();
    const c = s.peek();
    if ((isObject && c == 125) || (!isObject && c == 93)) {
      s.pos++;
      unchecked((ends[top] = s.pos));
      open.pop();
      fresh = false;
      continue;
    }
    if (!fresh) {
      if (c != 44) return false;
      s.pos++;
      s.skipSpace();
    }
    let keyStart = 0;
    let keyEnd = 0;
    if (isObject) {
      if (s.peek() != 34) return false;
      keyStart = s.pos + 1;
      if (!s.string()) return false;
      keyEnd = s.pos - 1;
      s.skipSpace();
      if (s.peek() != 58) return false;
      s.pos++;
    }
    const before = open.length;
    if (startValue(top, keyStart, keyEnd) < 0) return false;
    fresh = open.length > before;
  }
  s.skipSpace();
  return s.pos == s.end;
}
