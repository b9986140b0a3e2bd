// YAML with positions: the policy's values, and a way to turn a field path into FILE:LINE:COL.
// Values come from js-yaml (about ten times faster than a parser that keeps positions, which
// matters for policies of thousands of workloads); the positioned document (the `yaml` package) is
// built only when a diagnostic or a source position is asked for.
import jsYaml from 'js-yaml';
import { LineCounter, isMap, isNode, isPair, isScalar, parseDocument, type Document } from 'yaml';
import type { ErrorCode } from '../errors.js';
import { ALIAS_BUDGET, aliasFinding, firstAliasOffset } from './alias-budget.js';
import { BlockLocator } from './block-locator.js';
import { echo } from '../canon/echo.js';
import { MAX_DIAGNOSTIC_MESSAGE, type Diagnostic, type FieldPath } from './diagnostics.js';

/** The YAML values of a policy text, as the loader reads them (js-yaml, YAML 1.2 core schema); throws js-yaml's YAMLException. */
export function loadYamlValues(text: string, file: string): unknown {
  return jsYaml.load(text, { schema: jsYaml.CORE_SCHEMA, filename: file });
}

export class PolicySource {
  private positioned: { doc: Document.Parsed; lines: LineCounter } | null = null;
  private locator: BlockLocator | null = null;
  private lineStarts: number[] | null = null;

  private constructor(readonly file: string, private readonly text: string) {}

  /**
   * Positions in a text already parsed elsewhere (the policy loader's worker): no values are read
   * here; a position is located in the text, and the text is parsed only if that fails.
   */
  static positionsOf(text: string, file: string): PolicySource {
    return new PolicySource(file, text);
  }

  /** The same text with nothing cached yet (what a lookup builds is garbage once the copy is dropped). */
  fresh(): PolicySource {
    return new PolicySource(this.file, this.text);
  }

  /** Parses YAML (the YAML 1.2 core schema); syntax errors come back as diagnostics with positions. */
  static parse(text: string, file: string): { source: PolicySource; data: unknown; diags: Diagnostic[] } {
    const source = new PolicySource(file, text);
    try {
      const data = loadYamlValues(text, file);
      // An alias needs an anchor (`&name`): a text without `&` has none, and walking the values of
      // a policy of thousands of workloads for nothing took a third of a second per load.
      const aliases = text.includes('&') ? aliasFinding(data) : null;
      if (aliases === null) return { source, data, diags: [] };
      const { line, col } = source.linePos(firstAliasOffset(text));
      const message = aliases.kind === 'cycle'
        ? 'a YAML alias refers to a node that contains it; refused before any other check'
        : `YAML aliases expand this document to ${aliases.values.toLocaleString('en-US')} values (they may add at most ${ALIAS_BUDGET.toLocaleString('en-US')}, or as many as the document holds); refused before any other check`;
      return { source, data: undefined, diags: [{ severity: 'error', code: 'MG_ERR_POLICY_ALIASES', message, path: [], file, line, col }] };
    } catch (err) {
      if (!(err instanceof jsYaml.YAMLException)) throw err;
      const line = (err.mark?.line ?? 0) + 1;
      const col = (err.mark?.column ?? 0) + 1;
      return { source, data: undefined, diags: [{ severity: 'error', code: 'MG_ERR_POLICY_YAML', message: err.reason || err.message, path: [], file, line, col }] };
    }
  }

  private document(): { doc: Document.Parsed; lines: LineCounter } {
    if (!this.positioned) {
      const lines = new LineCounter();
      const doc = parseDocument(this.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
      this.positioned = { doc, lines };
    }
    return this.positioned;
  }

  /** The 1-based line and column of a field: its key when `atKey`, else its value. */
  position(path: FieldPath, atKey = false): { line: number; col: number } {
    if (!this.positioned) {
      const offset = (this.locator ??= new BlockLocator(this.text)).locate(path, atKey);
      if (offset !== null) return this.linePos(offset);
    }
    return this.parsedPosition(path, atKey);
  }

  linePos(offset: number): { line: number; col: number } {
    if (!this.lineStarts) {
      this.lineStarts = [0];
      for (let i = this.text.indexOf('\n'); i !== -1; i = this.text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
    }
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.lineStarts[lo]! + 1 };
  }

  /** The same answer from the full, positioned parse. */
  parsedPosition(path: FieldPath, atKey = false): { line: number; col: number } {
    const { doc, lines } = this.document();
    let node: unknown = doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      const part = path[i]!;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
        if (!pair) break;
        const keyStart = rangeStart(pair.key);
        if (last && atKey && keyStart !== undefined) return lines.linePos(keyStart);
        node = pair.value;
        offset = rangeStart(node) ?? keyStart ?? offset;
        continue;
      }
      const seqItems = isNode(node) && 'items' in node ? (node as { items: unknown[] }).items : null;
      if (!seqItems || typeof part !== 'number' || part >= seqItems.length) break;
      node = seqItems[part];
      offset = rangeStart(node) ?? offset;
    }
    return lines.linePos(offset);
  }

  diagnostic(severity: 'error' | 'warning', code: ErrorCode, path: FieldPath, message: string, atKey = false): Diagnostic {
    const { line, col } = this.position(path, atKey);
    return { severity, code, message: echo(message, MAX_DIAGNOSTIC_MESSAGE), path, file: this.file, line, col };
  }
}

function rangeStart(node: unknown): number | undefined {
  if (isNode(node) && node.range) return node.range[0];
  return undefined;
}
