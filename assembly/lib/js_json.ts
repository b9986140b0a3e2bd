// The parameters of a JSON body exactly as control-plane/anomaly/features.ts finds them: after
// JSON.parse (js_json_parse.ts), collectJson: object members in JavaScript property order
// (array-index keys ascending, then the rest in first-definition order; a repeated key keeps its
// first position and its last value), names joined with ".", array elements under their parent's
// name, leaves as String(value), stopping once there are more than 256 pairs. Iterative.
import { ByteBuf } from "../sdk/bytes";
import {
  ARRAY, ends, FALSE, firstChild, hexValue, keyEnds, keyStarts, kinds, nextSibling, NUMBER, OBJECT, parseJsonUnits, scanner,
  starts, STRING, TRUE,
} from "./js_json_parse";
import { appendJsNumberText } from "./js_number";
import { ParamList } from "./params";
import { Units } from "./units";

/** Pairs a walk stops at (collectJson returns once it has more than this many). */
const MAX_PAIRS: i32 = 256;

/** Decodes the JSON string body src[from, to) (escapes resolved) onto `out`. */
function decodeString(src: Units, from: i32, to: i32, out: Units): void {
  for (let i = from; i < to; i++) {
    const c = src.at(i);
    if (c != 92) {
      out.push(c);
      continue;
    }
    const e = <i32>src.at(++i);
    if (e == 117) {
      let v = 0;
      for (let k = 1; k <= 4; k++) v = (v << 4) | hexValue(<i32>src.at(i + k));
      out.push(<u16>v);
      i += 4;
    } else if (e == 98) out.push(8);
    else if (e == 102) out.push(12);
    else if (e == 110) out.push(10);
    else if (e == 114) out.push(13);
    else if (e == 116) out.push(9);
    else out.push(<u16>e);
  }
}

/** An array index key ("0", or no leading zero and at most 2^32 - 2), as JS orders first; else -1. */
function arrayIndex(key: Units, from: i32, to: i32): f64 {
  const n = to - from;
  if (n == 0 || n > 10) return -1;
  if (n > 1 && key.at(from) == 48) return -1;
  let v: f64 = 0;
  for (let i = from; i < to; i++) {
    const c = <i32>key.at(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + <f64>(c - 48);
  }
  return v <= 4294967294 ? v : -1;
}

// Per object being walked (a stack, since children are walked before the parent is done):
// its members in property order as [key start, key end, value node] triples over `keys`.
const keys = new Units(256);
const members: i32[] = [];
// Open addressing over the keys of the object being ordered; slots hold member indexes, tagged
// with a generation so the table is never cleared.
let table = new StaticArray<i32>(64);
let tableGen = new StaticArray<i32>(64);
let generation = 0;
const indexKeys: f64[] = [];
const indexMembers: i32[] = [];

function hashKey(from: i32, to: i32): u32 {
  let h: u32 = 2166136261;
  for (let i = from; i < to; i++) h = (h ^ <u32>keys.at(i)) * 16777619;
  return h;
}

/** Appends the members of `object` in JS property order to `members`; returns how many. */
function orderMembers(object: i32): i32 {
  let count = 0;
  for (let m = unchecked(firstChild[object]); m >= 0; m = unchecked(nextSibling[m])) count++;
  let size = table.length;
  if (size < count * 2) {
    while (size < count * 2) size <<= 1;
    table = new StaticArray<i32>(size);
    tableGen = new StaticArray<i32>(size);
  }
  generation++;
  const base = members.length;
  let distinct = 0;
  for (let m = unchecked(firstChild[object]); m >= 0; m = unchecked(nextSibling[m])) {
    const from = keys.length;
    decodeString(scanner.src, unchecked(keyStarts[m]), unchecked(keyEnds[m]), keys);
    const to = keys.length;
    let slot = <i32>(hashKey(from, to) & <u32>(size - 1));
    let found = -1;
    while (unchecked(tableGen[slot]) == generation) {
      const e = base + unchecked(table[slot]) * 3;
      if (keysEqual(unchecked(members[e]), unchecked(members[e + 1]), from, to)) {
        found = e;
        break;
      }
      slot = (slot + 1) & (size - 1);
    }
    if (found >= 0) {
      unchecked((members[found + 2] = m));
      keys.length = from;
      continue;
    }
    unchecked((tableGen[slot] = generation));
    unchecked((table[slot] = distinct++));
    members.push(from);
    members.push(to);
    members.push(m);
  }
  // Array-index keys first, ascending; the others keep their first-definition order.
  indexKeys.length = 0;
  indexMembers.length = 0;
  for (let i = 0; i < distinct; i++) {
    const e = base + i * 3;
    const v = arrayIndex(keys, unchecked(members[e]), unchecked(members[e + 1]));
    if (v >= 0) {
      indexKeys.push(v);
      indexMembers.push(i);
    }
  }
  if (indexKeys.length > 0) reorderIndexKeys(base, distinct);
  return distinct;
}

function keysEqual(aFrom: i32, aTo: i32, bFrom: i32, bTo: i32): bool {
  const n = aTo - aFrom;
  return n == bTo - bFrom && memory.compare(keys.ptr + (<usize>aFrom << 1), keys.ptr + (<usize>bFrom << 1), <usize>n << 1) == 0;
}

const reordered: i32[] = [];

function reorderIndexKeys(base: i32, distinct: i32): void {
  // Insertion sort of the (few) index keys by value.
  const n = indexKeys.length;
  for (let i = 1; i < n; i++) {
    const k = indexKeys[i];
    const m = indexMembers[i];
    let j = i - 1;
    while (j >= 0 && indexKeys[j] > k) {
      indexKeys[j + 1] = indexKeys[j];
      indexMembers[j + 1] = indexMembers[j];
      j--;
    }
    indexKeys[j + 1] = k;
    indexMembers[j + 1] = m;
  }
  reordered.length = 0;
  for (let i = 0; i < n; i++) pushTriple(base + indexMembers[i] * 3);
  for (let i = 0; i < distinct; i++) {
    const e = base + i * 3;
    if (arrayIndex(keys, unchecked(members[e]), unchecked(members[e + 1])) < 0) pushTriple(e);
  }
  for (let i = 0; i < reordered.length; i++) unchecked((members[base + i] = reordered[i]));
}

function pushTriple(e: i32): void {
  reordered.push(unchecked(members[e]));
  reordered.push(unchecked(members[e + 1]));
  reordered.push(unchecked(members[e + 2]));
}

const prefix = new Units(128);
const numberText = new ByteBuf(32);
const VALUE_NAME = Units.fromString("(value)");

function emitLeaf(node: i32, out: ParamList): void {
  const text = out.text;
  const nameFrom = text.length;
  if (prefix.length > 0) text.appendRange(prefix, 0, prefix.length);
  else text.appendRange(VALUE_NAME, 0, VALUE_NAME.length);
  const nameTo = text.length;
  const kind = unchecked(kinds[node]);
  const src = scanner.src;
  if (kind == STRING) decodeString(src, unchecked(starts[node]) + 1, unchecked(ends[node]) - 1, text);
  else if (kind == NUMBER) {
    numberText.clear();
    for (let i = unchecked(starts[node]); i < unchecked(ends[node]); i++) numberText.push(<u8>src.at(i));
    const from = numberText.length;
    appendJsNumberText(numberText.ptr, from, numberText);
    for (let i = from; i < numberText.length; i++) text.push(<u16>numberText.at(i));
  } else text.appendString(kind == TRUE ? "true" : kind == FALSE ? "false" : "null");
  out.add(nameFrom, nameTo);
}

// Walk frames: [node, next member position (objects) or next child (arrays), members end,
// prefix length, keys length, members length] — all restored when the frame is popped.
const frames: i32[] = [];

function pushFrame(node: i32): void {
  const prefixLength = prefix.length;
  const keysLength = keys.length;
  const membersBase = members.length;
  let first = -1;
  let end = -1;
  if (unchecked(kinds[node]) == OBJECT) {
    const n = orderMembers(node);
    first = membersBase;
    end = membersBase + n * 3;
  } else first = unchecked(firstChild[node]);
  frames.push(node);
  frames.push(first);
  frames.push(end);
  frames.push(prefixLength);
  frames.push(keysLength);
  frames.push(membersBase);
}

/**
 * Appends the parameters of a JSON body to `out` (after the pairs already there, which count
 * toward the 256 limit). False when the body is not valid JSON (nothing appended).
 */
export function collectJsonParams(body: Units, out: ParamList): bool {
  if (!parseJsonUnits(body)) return false;
  prefix.clear();
  keys.clear();
  members.length = 0;
  frames.length = 0;
  const root = 0;
  if (unchecked(kinds[root]) != OBJECT && unchecked(kinds[root]) != ARRAY) {
    if (out.count <= MAX_PAIRS) emitLeaf(root, out);
    return true;
  }
  if (out.count > MAX_PAIRS) return true;
  pushFrame(root);
  while (frames.length > 0 && out.count <= MAX_PAIRS) {
    const f = frames.length - 6;
    const node = unchecked(frames[f]);
    const isObject = unchecked(kinds[node]) == OBJECT;
    let child = -1;
    prefix.length = unchecked(frames[f + 3]);
    if (isObject) {
      const at = unchecked(frames[f + 1]);
      if (at < unchecked(frames[f + 2])) {
        child = unchecked(members[at + 2]);
        unchecked((frames[f + 1] = at + 3));
        if (prefix.length > 0) prefix.push(46);
        prefix.appendRange(keys, unchecked(members[at]), unchecked(members[at + 1]));
      }
    } else {
      child = unchecked(frames[f + 1]);
      if (child >= 0) unchecked((frames[f + 1] = nextSibling[child]));
    }
    if (child < 0) {
      keys.length = unchecked(frames[f + 4]);
      members.length = unchecked(frames[f + 5]);
      frames.length = f;
      continue;
    }
    const kind = unchecked(kinds[child]);
    if (kind == OBJECT || kind == ARRAY) pushFrame(child);
    else emitLeaf(child, out);
  }
  return true;
}
