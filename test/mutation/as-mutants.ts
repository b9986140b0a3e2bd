// Mutants of the AssemblyScript decision code, and one build of the test harness that holds them
// all. Stryker cannot run on AssemblyScript (its mutant switching inserts JavaScript that asc does
// not compile), so this does the same with Stryker's own generator and AssemblyScript syntax:
//  - @stryker-mutator/instrumenter (Stryker's mutators on a Babel TypeScript parse) lists the
//    mutants of each file: location, mutator, replacement text;
//  - each mutant is placed in the source behind a switch on an imported wasm global, `__MUT`
//    (expressions become `(__MUT == id ? (replacement) : (original))`, a block `{}` becomes a skipped
//    block, an emptied `case` a skipped case body), so one asc compile (no optimisation) holds every
//    mutant, and a mutant is chosen at instantiation;
//  - every loop body of the mutated files burns fuel (`__fuel()`, a trap when it runs out), so a
//    mutant that loops forever traps instead of hanging the test;
//  - a mutant that does not compile on its own is a compile error (left out of the score, as Stryker
//    does): asc's errors are mapped back to the mutant whose replacement they are in, and those
//    mutants are left out of the build.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import * as asc from 'assemblyscript/asc';
import { Instrumenter } from '@stryker-mutator/instrumenter';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ENTRY = 'test/wasm/as/harness.ts';
const SUPPORT = 'assembly/__mutation.ts';

export type MutantKind = 'expression' | 'block' | 'function-body' | 'case';

export interface AsMutant {
  readonly id: number;
  readonly file: string;
  /** 1-based, as an editor shows it. */
  readonly line: number;
  readonly column: number;
  readonly mutator: string;
  readonly original: string;
  readonly replacement: string;
  /** Offsets in the source text. */
  readonly start: number;
  readonly end: number;
  readonly kind: MutantKind;
  /** Why it cannot compile, when it was found not to. */
  compileError?: string;
}

/** A silent logger for the instrumenter (it only reports progress). */
const quiet: ConstructorParameters<typeof Instrumenter>[0] = {
  isTraceEnabled: () => false, isDebugEnabled: () => false, isInfoEnabled: () => false,
  isWarnEnabled: () => true, isErrorEnabled: () => true, isFatalEnabled: () => true,
  trace: () => undefined, debug: () => undefined, info: () => undefined,
  warn: (m: string) => console.warn(m), error: (m: string) => console.error(m), fatal: (m: string) => console.error(m),
};

/** AssemblyScript decorators on functions are not TypeScript: blanked (same length) for the parser. */
function blankDecorators(text: string): string {
  return text.replace(/@(inline|unmanaged|final|global|lazy|external|operator(\.\w+)?)\b/g, (m) => ' '.repeat(m.length));
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function nodeAt(sf: ts.SourceFile, start: number, end: number): ts.Node | null {
  let found: ts.Node | null = null;
  const visit = (n: ts.Node): void => {
    if (n.getStart(sf) <= start && n.getEnd() >= end) {
      if (n.getStart(sf) === start && n.getEnd() === end) found = n;
      ts.forEachChild(n, visit);
    }
  };
  visit(sf);
  return found;
}

const FUNCTION_KINDS = new Set([ts.SyntaxKind.FunctionDeclaration, ts.SyntaxKind.MethodDeclaration, ts.SyntaxKind.FunctionExpression,
  ts.SyntaxKind.ArrowFunction, ts.SyntaxKind.GetAccessor, ts.SyntaxKind.SetAccessor, ts.SyntaxKind.Constructor]);

function kindOf(sf: ts.SourceFile, start: number, end: number, mutator: string): { kind: MutantKind; compileError?: string } {
  const node = nodeAt(sf, start, end);
  if (node && (ts.isCaseClause(node) || ts.isDefaultClause(node))) return { kind: 'case' };
  if (mutator !== 'BlockStatement') return { kind: 'expression' };
  if (node && FUNCTION_KINDS.has(node.parent.kind)) {
    const fn = node.parent as ts.SignatureDeclaration;
    const returnsValue = fn.type !== undefined && fn.type.kind !== ts.SyntaxKind.VoidKeyword;
    // asc: "TS2355: A function whose declared type is not 'void' must return a value."
    return returnsValue ? { kind: 'function-body', compileError: 'TS2355: an empty body for a function that returns a value' } : { kind: 'function-body' };
  }
  return { kind: 'block' };
}

/** Every Stryker mutant of `files` (paths relative to the repository), numbered from 0. */
export async function generateMutants(files: readonly string[]): Promise<AsMutant[]> {
  const sources = new Map(files.map((f) => [f, readFileSync(path.join(root, f), 'utf8')]));
  const result = await new Instrumenter(quiet).instrument(
    files.map((f) => ({ name: f, mutate: true, content: blankDecorators(sources.get(f)!) })),
    { plugins: null, excludedMutations: [], ignorers: [], noHeader: true },
  );
  const parsed = new Map(files.map((f) => [f, { sf: ts.createSourceFile(f, sources.get(f)!, ts.ScriptTarget.Latest, true), starts: lineStarts(sources.get(f)!) }]));
  return result.mutants.map((m, id) => {
    const { sf, starts } = parsed.get(m.fileName)!;
    const start = starts[m.location.start.line]! + m.location.start.column;
    const end = starts[m.location.end.line]! + m.location.end.column;
    const text = sources.get(m.fileName)!;
    return {
      id, file: m.fileName, line: m.location.start.line + 1, column: m.location.start.column + 1, mutator: m.mutatorName,
      original: text.slice(start, end), replacement: m.replacement ?? '', start, end, ...kindOf(sf, start, end, m.mutatorName),
    };
  });
}

interface Region {
  start: number;
  end: number;
  /** Loop body (fuel) or mutants on one node. */
  fuel: boolean;
  mutants: AsMutant[];
  children: Region[];
}

/** Where each mutant's switch landed in the generated text (for mapping asc's errors back). */
interface Placed {
  readonly mutant: AsMutant;
  /** The replacement arm. */
  readonly arm: [number, number];
  /** The whole switch. */
  readonly wrapper: [number, number];
}

function loopBodies(sf: ts.SourceFile): Array<[number, number]> {
  const bodies: Array<[number, number]> = [];
  const visit = (n: ts.Node): void => {
    if (ts.isForStatement(n) || ts.isWhileStatement(n) || ts.isDoStatement(n) || ts.isForOfStatement(n) || ts.isForInStatement(n)) {
      bodies.push([n.statement.getStart(sf), n.statement.getEnd()]);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return bodies;
}

function regionTree(text: string, sf: ts.SourceFile, mutants: readonly AsMutant[]): Region {
  const regions: Region[] = loopBodies(sf).map(([start, end]) => ({ start, end, fuel: true, mutants: [], children: [] }));
  const byRange = new Map<string, Region>();
  for (const m of mutants) {
    const key = `${m.start}:${m.end}`;
    let r = byRange.get(key);
    if (!r) byRange.set(key, (r = { start: m.start, end: m.end, fuel: false, mutants: [], children: [] }));
    r.mutants.push(m);
  }
  regions.push(...byRange.values());
  regions.sort((a, b) => a.start - b.start || b.end - a.end || (a.fuel ? -1 : 0) - (b.fuel ? -1 : 0));
  const top: Region = { start: 0, end: text.length, fuel: false, mutants: [], children: [] };
  const stack = [top];
  for (const r of regions) {
    while (stack.at(-1)!.end < r.end || stack.at(-1)!.end <= r.start) stack.pop();
    stack.at(-1)!.children.push(r);
    stack.push(r);
  }
  return top;
}

/** One mutated file with every mutant of `mutants` behind its switch, and where each landed. */
export function schemaSource(file: string, text: string, mutants: readonly AsMutant[]): { text: string; placed: Placed[] } {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const support = path.relative(path.dirname(path.join(root, file)), path.join(root, SUPPORT)).replace(/\.ts$/, '');
  // On the first line, so asc's line numbers stay those of the file.
  let out = `import { __MUT, __fuel } from "${support.startsWith('.') ? support : `./${support}`}"; `;
  const placed: Placed[] = [];
  const emitRange = (from: number, to: number, children: readonly Region[]): void => {
    let pos = from;
    for (const c of children) {
      if (c.start < from || c.end > to) continue;
      out += text.slice(pos, c.start);
      emitRegion(c);
      pos = c.end;
    }
    out += text.slice(pos, to);
  };
  const emitRegion = (r: Region): void => {
    if (r.fuel) {
      out += '{ __fuel(); ';
      emitRange(r.start, r.end, r.children);
      out += ' }';
      return;
    }
    const wrapperStart = out.length;
    const kind = r.mutants[0]!.kind;
    if (kind === 'expression') {
      out += '(';
      const arms: Array<[AsMutant, number, number]> = [];
      for (const m of r.mutants) {
        out += `__MUT == ${m.id} ? `;
        const armStart = out.length;
        out += `(${m.replacement})`;
        arms.push([m, armStart, out.length]);
        out += ' : ';
      }
      out += '(';
      emitRange(r.start, r.end, r.children);
      out += '))';
      for (const [m, a, b] of arms) placed.push({ mutant: m, arm: [a, b], wrapper: [wrapperStart, out.length] });
      return;
    }
    const ids = r.mutants.map((m) => `__MUT != ${m.id}`).join(' && ');
    if (kind === 'case') {
      const clause = nodeAt(sf, r.start, r.end) as ts.CaseOrDefaultClause;
      const body = clause.statements[0]!.getStart(sf);
      emitRange(r.start, body, r.children);
      const armStart = out.length;
      out += `if (${ids}) { `;
      emitRange(body, r.end, r.children);
      out += ' }';
      for (const m of r.mutants) placed.push({ mutant: m, arm: [armStart, out.length], wrapper: [wrapperStart, out.length] });
      return;
    }
    // A block: `{}` skips it; a function body returns at once (void functions only).
    const armStart = out.length;
    out += kind === 'function-body' ? `{ if (!(${ids})) return; ` : `{ if (${ids}) `;
    const armEnd = out.length;
    emitRange(r.start, r.end, r.children);
    out += ' }';
    for (const m of r.mutants) placed.push({ mutant: m, arm: [armStart, armEnd], wrapper: [wrapperStart, out.length] });
  };
  emitRange(0, text.length, regionTree(text, sf, mutants).children);
  return { text: out, placed };
}

const SUPPORT_SOURCE = `// Generated for the mutation run (test/mutation/as-mutants.ts): the mutant switch and the loop fuel.
@external("mutation", "id") export declare const __MUT: i32;
let fuelLeft: i32 = 0;
@inline export function __fuel(): void {
  fuelLeft--;
  if (fuelLeft < 0) unreachable();
}
export function __resetFuel(n: i32): void {
  fuelLeft = n;
}
`;

export interface CompileResult {
  readonly binary: Uint8Array | null;
  readonly errors: ReadonlyArray<{ file: string; line: number; column: number; message: string }>;
}

/** Compiles the harness entry (no optimisation) with `sources` in place of the files on disk. */
export async function compileWith(sources: ReadonlyMap<string, string>, withSupport: boolean): Promise<CompileResult> {
  let binary: Uint8Array | null = null;
  const stderr: string[] = [];
  const absolute = new Map([...sources].map(([f, t]) => [path.join(root, f), t]));
  if (withSupport) absolute.set(path.join(root, SUPPORT), SUPPORT_SOURCE);
  const entry = path.join(root, ENTRY);
  // --noColors: under a colour terminal (or FORCE_COLOR) asc wraps ERROR in escapes the parser below would miss.
  await asc.main([ENTRY, '--runtime', 'incremental', '--outFile', 'harness.wasm', '--baseDir', root, '--noColors'], {
    readFile(filename: string, baseDir: string) {
      const full = path.resolve(baseDir, filename);
      const replaced = absolute.get(full);
      if (replaced !== undefined) return replaced;
      try {
        const text = readFileSync(full, 'utf8');
        return withSupport && full === entry ? `${text}\nexport { __resetFuel } from "../../../assembly/__mutation";\n` : text;
      } catch {
        return null;
      }
    },
    writeFile(name: string, contents: Uint8Array | string) {
      if (name.endsWith('.wasm')) binary = contents as Uint8Array;
    },
    stderr: { write: (s: string) => { stderr.push(String(s)); return true; } } as never,
  });
  const errors: Array<{ file: string; line: number; column: number; message: string }> = [];
  // eslint-disable-next-line no-control-regex
  const text = stderr.join('').replace(/\x1b\[[0-9;]*m/g, '');
  const re = /ERROR (.*)\n[\s\S]*?└─ in (.+?)\((\d+),(\d+)\)/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    errors.push({ message: m[1]!, file: path.relative(root, path.resolve(root, m[2]!)), line: Number(m[3]), column: Number(m[4]) });
  }
  if (!binary && errors.length === 0) errors.push({ file: '', line: 0, column: 0, message: text.slice(0, 2000) || 'no binary' });
  return { binary, errors };
}

/** The mutant alone in its file (applied, not switched; loops still burn fuel), compiled. */
export async function compileAlone(m: AsMutant): Promise<CompileResult> {
  const text = readFileSync(path.join(root, m.file), 'utf8');
  const mutated = text.slice(0, m.start) + m.replacement + text.slice(m.end);
  return compileWith(new Map([[m.file, schemaSource(m.file, mutated, []).text]]), true);
}

/** The 1-based lines of the function declaration `name` in `file`. */
export function functionLines(file: string, name: string): [number, number] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const fn = sf.statements.find((s): s is ts.FunctionDeclaration => ts.isFunctionDeclaration(s) && s.name?.text === name);
  if (!fn) throw new Error(`no function ${name} in ${file}`);
  return [sf.getLineAndCharacterOfPosition(fn.getStart(sf)).line + 1, sf.getLineAndCharacterOfPosition(fn.getEnd()).line + 1];
}

/** The function (or top-level statement) around a 1-based line of a file, as a range of lines. */
function enclosingLines(file: string, text: string, line: number): [number, number] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  let best: [number, number] = [line, line];
  const visit = (n: ts.Node): void => {
    const a = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
    const b = sf.getLineAndCharacterOfPosition(n.getEnd()).line + 1;
    if (a > line || b < line) return;
    if (FUNCTION_KINDS.has(n.kind)) best = [a, b];
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return best;
}

export interface SchemaBuild {
  readonly module: WebAssembly.Module;
  /** Mutants that compile alone but not behind a switch (a switched null check loses asc's narrowing): each built on its own. */
  readonly isolated: ReadonlyMap<number, WebAssembly.Module>;
  /** asc compiles it took. */
  readonly compiles: number;
}

/** A switched null check loses asc's flow narrowing of the checked value: such mutants run alone. */
const NARROWING = /\bnull\b/;

/**
 * Compiles the harness with every mutant that compiles behind its switch; the others get
 * `compileError` set, or run alone (`isolated`). An error in a switch is checked by compiling its
 * mutant alone; an error elsewhere (a variable no longer definitely assigned, a function that may
 * end without returning) by compiling alone the block and case mutants of the function around it.
 */
export async function buildSchema(mutants: readonly AsMutant[], files: readonly string[]): Promise<SchemaBuild> {
  const texts = new Map(files.map((f) => [f, readFileSync(path.join(root, f), 'utf8')]));
  let compiles = 0;
  const alone = new Map<number, CompileResult>();
  const tryAlone = async (m: AsMutant): Promise<CompileResult> => {
    let r = alone.get(m.id);
    if (!r) {
      compiles++;
      alone.set(m.id, (r = await compileAlone(m)));
      if (!r.binary) m.compileError = r.errors.map((e) => e.message).join('; ');
    }
    return r;
  };
  const isolatedIds = new Set(mutants.filter((m) => m.kind === 'expression' && NARROWING.test(m.original) && m.compileError === undefined).map((m) => m.id));
  for (let round = 1; round <= 30; round++) {
    const active = mutants.filter((m) => m.compileError === undefined && !isolatedIds.has(m.id));
    const sources = new Map<string, string>();
    const placedByFile = new Map<string, { text: string; placed: Placed[] }>();
    for (const f of files) {
      const s = schemaSource(f, texts.get(f)!, active.filter((m) => m.file === f));
      sources.set(f, s.text);
      placedByFile.set(f, s);
    }
    compiles++;
    const result = await compileWith(sources, true);
    if (result.binary) {
      const isolated = new Map<number, WebAssembly.Module>();
      for (const m of mutants.filter((x) => isolatedIds.has(x.id))) {
        const r = await tryAlone(m);
        if (r.binary) isolated.set(m.id, new WebAssembly.Module(r.binary as Uint8Array<ArrayBuffer>));
      }
      return { module: new WebAssembly.Module(result.binary as Uint8Array<ArrayBuffer>), isolated, compiles };
    }
    let settled = 0;
    for (const e of result.errors) {
      const s = placedByFile.get(e.file);
      if (!s) throw new Error(`the mutation build fails outside the mutated files: ${e.message} at ${e.file}:${e.line}:${e.column}`);
      const offset = lineStarts(s.text)[e.line - 1]! + e.column - 1;
      const within = (span: [number, number]) => span[0] <= offset && offset < span[1];
      const narrowest = (list: Placed[], span: (p: Placed) => [number, number]) => {
        const width = Math.min(...list.map((p) => span(p)[1] - span(p)[0]));
        return list.filter((p) => span(p)[1] - span(p)[0] === width);
      };
      const inArm = s.placed.filter((p) => within(p.arm));
      const inWrapper = s.placed.filter((p) => within(p.wrapper));
      const blamed = inArm.length > 0 ? narrowest(inArm, (p) => p.arm) : inWrapper.length > 0 ? narrowest(inWrapper, (p) => p.wrapper) : [];
      let found = false;
      for (const p of blamed) if (p.mutant.compileError === undefined && !(await tryAlone(p.mutant)).binary) found = true;
      if (found) {
        settled++;
        continue;
      }
      const [from, to] = enclosingLines(e.file, texts.get(e.file)!, e.line);
      for (const m of active.filter((x) => x.file === e.file && x.kind !== 'expression' && x.line >= from && x.line <= to && x.compileError === undefined)) {
        if (!(await tryAlone(m)).binary) settled++;
      }
    }
    if (settled === 0) throw new Error(`the mutation build fails and no mutant alone does: ${result.errors.map((e) => `${e.message} (${e.file}:${e.line}:${e.column})`).join('; ')}`);
  }
  throw new Error('the mutation build did not settle in 30 rounds');
}
