// FILE:LINE:COL for a field path inside a parsed YAML document (one of possibly many in a file).
// A path that leaves the document stops at the deepest node that exists: a missing field is
// reported where it should have been written (its parent).
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { Location } from './finding.js';

export type YamlPath = readonly (string | number)[];

export class YamlLocator {
  constructor(
    readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** Where `path` is (its key when `atKey` and it exists), or its deepest existing ancestor. */
  locate(path: YamlPath, atKey = false): Location {
    let node: unknown = this.doc.contents;
    let offset = start(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      const part = path[i]!;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
        if (!pair) break;
        const keyStart = start(pair.key);
        if (atKey && i === path.length - 1 && keyStart !== undefined) return this.at(keyStart);
        node = pair.value;
        offset = start(node) ?? keyStart ?? offset;
      } else if (isSeq(node) && typeof part === 'number' && part < node.items.length) {
        node = node.items[part];
        offset = start(node) ?? offset;
      } else {
        break;
      }
    }
    return this.at(offset);
  }

  private at(offset: number): Location {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, col };
  }
}

function start(node: unknown): number | undefined {
  return isNode(node) && node.range ? node.range[0] : undefined;
}

export interface ParsedDocument {
  readonly value: unknown;
  readonly locator: YamlLocator;
}

/** Every document of a (multi-document) YAML text; a document with syntax errors is returned as an error. */
export function parseYamlDocuments(text: string, file: string): { docs: ParsedDocument[]; errors: Location[] } {
  const lines = new LineCounter();
  const docs: ParsedDocument[] = [];
  const errors: Location[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter: lines, prettyErrors: false })) {
    if (doc.errors.length > 0) {
      const { line, col } = lines.linePos(doc.errors[0]!.pos[0]);
      errors.push({ file, line, col });
      continue;
    }
    docs.push({ value: doc.toJS({ maxAliasCount: 100 }), locator: new YamlLocator(file, doc, lines) });
  }
  return { docs, errors };
}
