// YAML with positions: the parsed document and a way to turn a field path into FILE:LINE:COL.
import { LineCounter, isMap, isNode, isPair, isScalar, parseDocument, type Document } from 'yaml';
import type { ErrorCode } from '../errors.js';
import type { Diagnostic, FieldPath } from './diagnostics.js';

export class PolicySource {
  private constructor(
    readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** Parses YAML; syntax errors come back as diagnostics with positions. */
  static parse(text: string, file: string): { source: PolicySource; data: unknown; diags: Diagnostic[] } {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const source = new PolicySource(file, doc, lines);
    const diags = doc.errors.map((error) => {
      const pos = lines.linePos(error.pos[0]);
      return { severity: 'error' as const, code: 'MG_ERR_POLICY_YAML' as const, message: error.message.split('\n')[0]!, path: [], file, line: pos.line, col: pos.col };
    });
    if (diags.length > 0) return { source, data: undefined, diags };
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      return { source, data: undefined, diags: [source.diagnostic('error', 'MG_ERR_POLICY_YAML', [], (err as Error).message)] };
    }
    return { source, data, diags: [] };
  }

  /** The 1-based line and column of a field: its key when `atKey`, else its value. */
  position(path: FieldPath, atKey = false): { line: number; col: number } {
    let node: unknown = this.doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      const part = path[i]!;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
        if (!pair) break;
        const keyStart = rangeStart(pair.key);
        if (last && atKey && keyStart !== undefined) return this.lines.linePos(keyStart);
        node = pair.value;
        offset = rangeStart(node) ?? keyStart ?? offset;
        continue;
      }
      const seqItems = isNode(node) && 'items' in node ? (node as { items: unknown[] }).items : null;
      if (!seqItems || typeof part !== 'number' || part >= seqItems.length) break;
      node = seqItems[part];
      offset = rangeStart(node) ?? offset;
    }
    return this.lines.linePos(offset);
  }

  diagnostic(severity: 'error' | 'warning', code: ErrorCode, path: FieldPath, message: string, atKey = false): Diagnostic {
    const { line, col } = this.position(path, atKey);
    return { severity, code, message, path, file: this.file, line, col };
  }
}

function rangeStart(node: unknown): number | undefined {
  if (isNode(node) && node.range) return node.range[0];
  return undefined;
}
