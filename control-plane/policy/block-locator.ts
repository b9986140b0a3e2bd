// A fast way to find where a field is written in block-style YAML, by indentation, without
// parsing the whole document. It answers only when it is sure (plain keys, block maps and block
// sequences); for anything else on the way (flow collections, block scalars, anchors, tags, a
// sequence not indented under its key) it returns null and the caller uses the full parser.
import type { FieldPath } from './diagnostics.js';

interface Line {
  /** Offset of the line's first character. */
  readonly start: number;
  /** Column (0-based) where the content starts; "- " sequence markers count as indentation. */
  readonly indent: number;
  /** Column of the first sequence marker, or -1. */
  readonly dash: number;
  /** More than one marker ("- - x"). */
  readonly nested: boolean;
  readonly text: string;
}

interface Found {
  readonly keyOffset: number;
  readonly valueOffset: number;
  /** The value written on the same line, or null for a block value below. */
  readonly inline: string | null;
  /** The lines of a block value. */
  readonly from: number;
  readonly to: number;
}

function scanLines(text: string): Line[] {
  const lines: Line[] = [];
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const raw = text.slice(start, end).replace(/\r$/, '');
    let i = 0;
    while (raw.charCodeAt(i) === 32) i++;
    let dash = -1;
    let markers = 0;
    while (raw[i] === '-' && (raw[i + 1] === ' ' || i + 1 === raw.length)) {
      if (dash === -1) dash = i;
      markers++;
      i += 2;
      while (raw.charCodeAt(i) === 32) i++;
    }
    const content = raw.slice(i);
    if ((content !== '' && !content.startsWith('#')) || dash !== -1) lines.push({ start, indent: i, dash, nested: markers > 1, text: content.startsWith('#') ? '' : content });
    start = end + 1;
  }
  return lines;
}

const PLAIN_KEY = /^([A-Za-z0-9_./-]+|"[^"\\]*"|'[^']*'):(?=\s|$)/;
const UNSURE_VALUE = /^[|>&*!]/;

function keyOf(text: string): { key: string; length: number } | null {
  const m = PLAIN_KEY.exec(text);
  if (!m) return null;
  const k = m[1]!;
  return { key: k.startsWith('"') || k.startsWith("'") ? k.slice(1, -1) : k, length: m[0].length };
}

export class BlockLocator {
  private readonly lines: Line[];
  /** Per scope (`from:to`): its keys' line numbers, and its sequence items' line numbers — built once, so lookups stay cheap. */
  private readonly keyIndex = new Map<string, Map<string, number>>();
  private readonly itemIndex = new Map<string, number[]>();
  /** Answers already worked out, per `from:to:key-or-index` (finding a block's end scans it). */
  private readonly found = new Map<string, Found | null>();

  constructor(text: string) {
    this.lines = scanLines(text);
  }

  /** Offset of the field (its key when `atKey`), or null when unsure. */
  locate(path: FieldPath, atKey: boolean): number | null {
    if (this.lines.length === 0) return null;
    let from = 0;
    let to = this.lines.length;
    let offset = this.lines[0]!.start + this.lines[0]!.indent;
    for (let p = 0; p < path.length; p++) {
      const part = path[p]!;
      const last = p === path.length - 1;
      const id = `${from}:${to}:${typeof part}:${part}`;
      let found = this.found.get(id);
      if (found === undefined) {
        found = typeof part === 'number' ? this.item(from, to, part) : this.key(from, to, part);
        this.found.set(id, found);
      }
      if (!found) return null;
      if (last) return atKey && typeof part !== 'number' ? found.keyOffset : found.valueOffset;
      if (found.inline !== null || found.from >= found.to) return null;
      from = found.from;
      to = found.to;
      offset = found.valueOffset;
    }
    return offset;
  }

  private keysOf(from: number, to: number): Map<string, number> {
    const id = `${from}:${to}`;
    let keys = this.keyIndex.get(id);
    if (keys) return keys;
    keys = new Map();
    const indent = this.lines[from]!.indent;
    for (let i = from; i < to; i++) {
      const line = this.lines[i]!;
      if (line.indent !== indent || (i > from && line.dash !== -1 && line.dash < indent)) continue;
      const k = keyOf(line.text);
      if (k && !keys.has(k.key)) keys.set(k.key, i);
    }
    this.keyIndex.set(id, keys);
    return keys;
  }

  private key(from: number, to: number, name: string): Found | null {
    const i = this.keysOf(from, to).get(name);
    if (i === undefined) return null;
    const indent = this.lines[from]!.indent;
    const line = this.lines[i]!;
    const k = keyOf(line.text)!;
    const keyOffset = line.start + line.indent;
    const after = line.text.slice(k.length);
    const rest = after.trimStart();
    if (rest !== '' && !rest.startsWith('#')) {
      if (UNSURE_VALUE.test(rest)) return null;
      return { keyOffset, valueOffset: keyOffset + k.length + (after.length - rest.length), inline: rest, from: i + 1, to: i + 1 };
    }
    let end = i + 1;
    while (end < to && this.lines[end]!.indent > indent && (this.lines[end]!.dash === -1 || this.lines[end]!.dash > indent)) end++;
    const next = this.lines[i + 1];
    if (end === i + 1 || !next) return null;
    return { keyOffset, valueOffset: next.start + (next.dash !== -1 ? next.dash : next.indent), inline: null, from: i + 1, to: end };
  }

  private itemsOf(from: number, to: number): number[] {
    const id = `${from}:${to}`;
    let items = this.itemIndex.get(id);
    if (items) return items;
    const column = this.lines[from]!.dash;
    items = [];
    for (let i = from; i < to; i++) if (this.lines[i]!.dash === column) items.push(i);
    this.itemIndex.set(id, items);
    return items;
  }

  private item(from: number, to: number, index: number): Found | null {
    const column = this.lines[from]!.dash;
    if (column === -1) return null;
    const items = this.itemsOf(from, to);
    const i = items[index];
    if (i === undefined) return null;
    const line = this.lines[i]!;
    if (line.nested) return null;
    const end = items[index + 1] ?? this.itemEnd(i, column, to);
    const valueOffset = line.start + line.indent;
    if (line.text === '') {
      const next = this.lines[i + 1];
      return next && end > i + 1 ? { keyOffset: valueOffset, valueOffset: next.start + (next.dash !== -1 ? next.dash : next.indent), inline: null, from: i + 1, to: end } : null;
    }
    if (UNSURE_VALUE.test(line.text)) return null;
    // "- key: value": a map whose first key is on the marker's line.
    if (keyOf(line.text)) return { keyOffset: valueOffset, valueOffset, inline: null, from: i, to: end };
    return { keyOffset: valueOffset, valueOffset, inline: line.text, from: end, to: end };
  }

  private itemEnd(i: number, column: number, to: number): number {
    let end = i + 1;
    while (end < to && this.lines[end]!.dash !== column && this.lines[end]!.indent > column) end++;
    return end;
  }
}
